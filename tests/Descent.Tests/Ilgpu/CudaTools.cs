using System.ComponentModel;
using System.Diagnostics;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// NVIDIA's ptxas (PTX to a GPU's machine code, SASS) and nvdisasm (SASS as text), found in $DESCENT_CUDA_TOOLS (where
/// .ci/cuda-tools puts them) or on PATH. Without them a test skips with the reason, except on CI (CI=true), where it fails.
/// </summary>
public sealed class CudaTools
{
    private CudaTools(string ptxas, string nvdisasm)
    {
        Ptxas = ptxas;
        Nvdisasm = nvdisasm;
    }

    public string Ptxas { get; }

    public string Nvdisasm { get; }

    /// <summary>The tools, or null with the reason they were not found.</summary>
    public static (CudaTools? Tools, string? Problem) Find()
    {
        var folders = new List<string>();
        if (Environment.GetEnvironmentVariable("DESCENT_CUDA_TOOLS") is { Length: > 0 } configured)
        {
            folders.Add(configured);
        }
        folders.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var folder in folders)
        {
            var ptxas = Path.Combine(folder, "ptxas");
            var nvdisasm = Path.Combine(folder, "nvdisasm");
            if (File.Exists(ptxas) && File.Exists(nvdisasm))
            {
                return (new CudaTools(ptxas, nvdisasm), null);
            }
        }
        return (null, "ptxas and nvdisasm are not in $DESCENT_CUDA_TOOLS or on PATH: run `export DESCENT_CUDA_TOOLS=$(.ci/cuda-tools)`");
    }

    /// <summary>What a test throws when the tools are missing: a skip, or on CI a failure.</summary>
    public static Exception Unavailable(string reason) =>
        Environment.GetEnvironmentVariable("CI") == "true"
            ? new Xunit.Sdk.XunitException($"ptxas is required on CI (CI=true) but unavailable: {reason}")
            : new SkipException($"ptxas unavailable: {reason}");

    /// <summary>`ptxas -arch=ARCH -v` on one PTX file: the cubin is written to <paramref name="cubin"/>, the report returned.</summary>
    public string Assemble(string ptx, string architecture, string cubin) =>
        Execute(Ptxas, "-arch=" + architecture, "-v", "-o", cubin, ptx);

    /// <summary>The SASS of a cubin, one instruction a line with its address, branch targets as labels.</summary>
    public string Disassemble(string cubin) => Execute(Nvdisasm, "-c", cubin);

    private static string Execute(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw Unavailable($"{program} did not start");
        }
        catch (Win32Exception e)
        {
            throw Unavailable($"{program} cannot be run: {e.Message}");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var text = output + error.Result;
            Assert.True(process.ExitCode == 0, $"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited {process.ExitCode}: {text}");
            return text;
        }
    }
}
