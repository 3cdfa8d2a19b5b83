using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Descent.Engine.Benchmarking;
using Descent.Engine.Files;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent bench gemm`: SGEMM GFLOP/s of each GEMM kernel of each fast backend present (or the one
/// named) on square matrices, so a GPU machine without the .NET SDK can compare Descent's kernels with
/// cuBLAS in the same run.
/// </summary>
public static class BenchGemmCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var targets = new BenchTargets();
        var size = new Option<int>("--size") { Description = "N of the N x N x N product", DefaultValueFactory = _ => 1024 };
        var algorithm = new Option<string?>("--algorithm")
        {
            Description = $"Time only this kernel: {string.Join(", ", CliNames.All<GemmAlgorithm>())} [default: every one the backend has]",
        };
        algorithm.AcceptOnlyFromAmong(CliNames.All<GemmAlgorithm>());
        var seconds = new Option<double>("--seconds") { Description = "Time spent on each kernel's timed runs", DefaultValueFactory = _ => 2.0 };
        var output = new Option<string?>("--out") { Description = "Write the results as JSON to this file" };
        var command = new Command("gemm", "SGEMM GFLOP/s of each GEMM kernel on each backend present: best run of N x N x N")
        {
            size, algorithm, seconds, output,
        };
        targets.AddTo(command);
        command.SetAction(parsed =>
        {
            var outputPath = parsed.GetValue(output);
            // Before any kernel is timed: results that cannot be written are not worth the wait.
            OutputPath.Check(outputPath, "--out");
            if (!(parsed.GetValue(seconds) is > 0 and <= 600))
            {
                throw new InvalidInputException($"--seconds must be above 0 and at most 600, got {parsed.GetValue(seconds)}");
            }
            var names = targets.Names(parsed);
            var results = new List<GemmResult>();
            foreach (var name in names)
            {
                using var created = Backends.Create(name, parsed.GetValue(targets.Device));
                console.WriteLine($"backend {created.Name}: {created.DeviceDescription}");
                IReadOnlyList<GemmAlgorithm>? only = parsed.GetValue(algorithm) is { } chosen
                    ? [CliNames.Parse<GemmAlgorithm>(chosen, "GEMM algorithm")]
                    : null;
                results.AddRange(GemmBenchmark.Run(created, parsed.GetValue(size), TimeSpan.FromSeconds(parsed.GetValue(seconds)), only));
            }
            var table = new Table().AddColumns("backend", "algorithm", "size", "best seconds", "GFLOP/s", "runs");
            foreach (var result in results)
            {
                table.AddRow(result.Backend, result.Algorithm, result.Size.ToString(CultureInfo.InvariantCulture),
                    result.BestSeconds.ToString("G4", CultureInfo.InvariantCulture),
                    result.GflopsPerSecond.ToString("F1", CultureInfo.InvariantCulture),
                    result.Runs.ToString(CultureInfo.InvariantCulture));
            }
            console.Write(table);
            if (outputPath is not null)
            {
                AtomicFile.WriteAllText(outputPath,
                    JsonSerializer.Serialize(new Document(1, DescentApp.Version, results), BenchTargets.JsonOptions) + "\n");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record Document(int Schema, string DescentVersion, IReadOnlyList<GemmResult> Results);
}
