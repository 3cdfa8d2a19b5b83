using System.Globalization;
using Descent.Engine.Benchmarking;
using Descent.Engine.Data;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent bench --profile`: prints, per backend, each op's share of a training step (<see cref="StepProfile"/>), with
/// its rate against the processor's measured peak (<see cref="ProcessorPeak"/>) where the backend runs on the processor.
/// </summary>
public static class StepProfileTable
{
    /// <summary>The backends whose ops run on this machine's processor, so that its peak is theirs.</summary>
    private static readonly HashSet<string> OnProcessor = [Backends.CpuName, Backends.ReferenceName, Backends.IlgpuCpuName];

    public static int Execute(IAnsiConsole console, IReadOnlyList<string> names, int device, ImageDataset train, TrainingSpec spec,
        int steps, CancellationToken cancellation)
    {
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{spec.Dataset} {spec.Model.WidthsText}, batch {spec.BatchSize}: {steps} training steps per round, 3 rounds profiled and 3 not, alternating, the best of each"));
        double? peak = null;
        foreach (var name in names)
        {
            cancellation.ThrowIfCancellationRequested();
            using var backend = Backends.Create(name, device);
            if (OnProcessor.Contains(backend.Name))
            {
                peak ??= ProcessorPeak.Measure();
            }
            var result = StepProfile.Run(backend, spec, train, steps);
            Print(console, result, OnProcessor.Contains(backend.Name) ? peak : null);
        }
        return ExitCodes.Success;
    }

    private static void Print(IAnsiConsole console, StepProfileResult result, double? peak)
    {
        string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        console.WriteLine(Format($"backend {result.Backend}: {result.Device}; op times from the {result.Clock}"));
        if (peak is { } flops)
        {
            console.WriteLine(Format($"peak: {flops / 1e9:F0} GFLOP/s, measured now (fused multiply-adds in registers on every core)"));
        }
        var stepSeconds = result.ProfiledStepSeconds;
        var table = new Table().AddColumns("op", "calls/step", "ms/step", "% of step", "GFLOP/s", "GB/s", "% of peak");
        foreach (var op in result.Ops.OrderByDescending(op => op.Seconds))
        {
            var flopRate = op.Work.Flops / op.Seconds;
            table.AddRow(op.Op,
                Format($"{op.Calls / (double)result.Steps:0.##}"),
                Format($"{op.Seconds / result.Steps * 1e3:F3}"),
                Format($"{op.Seconds / (stepSeconds * result.Steps) * 100:F1}"),
                op.Work.Flops > 0 ? Format($"{flopRate / 1e9:F1}") : "",
                Format($"{op.Work.Bytes / op.Seconds / 1e9:F1}"),
                op.Work.Flops > 0 && peak is { } p ? Format($"{flopRate / p * 100:F1}") : "");
        }
        var allFlops = result.Ops.Sum(op => op.Work.Flops);
        table.AddRow("(between ops)", "", Format($"{result.UnattributedSeconds / result.Steps * 1e3:F3}"),
            Format($"{result.UnattributedSeconds / (stepSeconds * result.Steps) * 100:F1}"), "", "", "");
        table.AddRow("step", "", Format($"{stepSeconds * 1e3:F3}"), "100.0",
            Format($"{allFlops / result.Steps / stepSeconds / 1e9:F1}"), "",
            peak is { } whole ? Format($"{allFlops / result.Steps / stepSeconds / whole * 100:F1}") : "");
        console.Write(table);
        console.WriteLine(Format(
            $"step without the profile: {result.PlainStepSeconds * 1e3:F3} ms; with it: {stepSeconds * 1e3:F3} ms ({result.Overhead * 100:+0.0;-0.0}%)"));
    }
}
