using System.CommandLine;
using System.Globalization;
using Descent.Engine.Files;
using Descent.Kernels;
using Descent.Kernels.Conformance;
using Descent.Kernels.Ilgpu;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent check`: runs the conformance suite (every op against the CPU reference, every backward
/// against finite differences) on one backend and prints a table, like ggml's test-backend-ops.
/// A failing check is a failing backend: exit 3.
/// </summary>
public static class CheckCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var backendOptions = new BackendOptions();
        var filter = new Option<string?>("--filter")
        {
            Description = "Run only the checks whose name contains this text",
        };
        var ptxOut = new Option<string?>("--ptx-out")
        {
            Description = "Instead of checking, write the PTX (SM 90) of every ILGPU kernel to this folder, for ptxas on a GPU machine",
        };
        var gpuShaped = new Option<bool>("--gpu-shaped")
        {
            Description = "With --backend ilgpu-cpu: shape the CPU accelerator like an NVIDIA GPU (warp 32, 1024-thread groups, " +
                "16x16 GEMM tiles) with ILGPU's assertions and bounds checks on, so the kernels run as a GPU launches them (slow)",
        };
        var command = new Command("check", "Verify a backend's ops against the CPU reference and finite differences");
        backendOptions.AddTo(command);
        command.Options.Add(filter);
        command.Options.Add(ptxOut);
        command.Options.Add(gpuShaped);
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(ptxOut) is { } folder)
            {
                return WritePtx(console, folder);
            }
            if (parsed.GetValue(gpuShaped))
            {
                if (parsed.GetRequiredValue(backendOptions.Backend) != Backends.IlgpuCpuName || parsed.GetValue(backendOptions.Device) != 0)
                {
                    throw new InvalidInputException("--gpu-shaped applies to --backend ilgpu-cpu (device 0) only");
                }
                using var shaped = IlgpuBackend.CreateCpu(gpuShaped: true);
                return Execute(shaped, console, parsed.GetValue(filter));
            }
            using var backend = backendOptions.CreateBackend(parsed, error);
            return Execute(backend, console, parsed.GetValue(filter));
        });
        return command;
    }

    /// <summary>Runs the suite on <paramref name="backend"/>, prints the table, returns the exit code.</summary>
    public static int Execute(ComputeBackend backend, IAnsiConsole console, string? nameFilter = null)
    {
        console.WriteLine($"backend {backend.Name}: {backend.DeviceDescription}");
        var results = ConformanceSuite.Run(backend,
            nameFilter is null ? null : c => c.Name.Contains(nameFilter, StringComparison.OrdinalIgnoreCase));
        if (results.Count == 0)
        {
            throw new InvalidInputException($"no check matches --filter '{nameFilter}'");
        }

        var table = new Table().AddColumns("check", "max abs error", "bound (atol + rtol*|ref|)", "worst / bound", "result");
        foreach (var result in results)
        {
            table.AddRow(
                Markup.Escape(result.Name),
                Format(result.MaxAbsError),
                result.Bound.ToString(),
                Format(result.WorstRatio),
                result.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        }
        console.Write(table);

        var failed = results.Count(r => !r.Passed);
        console.WriteLine($"{results.Count - failed} passed, {failed} failed");
        foreach (var result in results.Where(r => !r.Passed && r.Detail is not null))
        {
            console.WriteLine($"  {result.Name}: {result.Detail}");
        }
        return failed == 0 ? ExitCodes.Success : ExitCodes.Unavailable;
    }

    /// <summary>Compiles every ILGPU kernel to PTX (no GPU needed) into <paramref name="folder"/>, created if missing: NAME.ptx each.</summary>
    private static int WritePtx(IAnsiConsole console, string folder)
    {
        OutputPath.CreateFolder(folder, "--ptx-out");
        foreach (var kernel in IlgpuKernelCatalog.Kernels)
        {
            AtomicFile.WriteAllText(Path.Combine(folder, kernel.Name + ".ptx"), PtxCompiler.Compile(kernel));
        }
        console.WriteLine($"wrote the PTX of {IlgpuKernelCatalog.Kernels.Count} ILGPU kernels (SM 90) to {folder}");
        return ExitCodes.Success;
    }

    private static string Format(double value) => value.ToString("0.##e+0", CultureInfo.InvariantCulture);
}
