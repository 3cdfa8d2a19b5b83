using System.Diagnostics;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Starts `descent` as the ranks of an MPI job through the mpirun on PATH, with what Open MPI needs in a container run as
/// root: root allowed, no cross-memory-attach single copy (containers forbid it), more ranks than cores allowed. Where no
/// mpirun is installed a test is skipped with the reason, except on CI (CI=true), which installs Open MPI.
/// Call from a [SkippableFact] or [SkippableTheory].
/// </summary>
public static class MpiLauncher
{
    public static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>
    {
        ["OMPI_ALLOW_RUN_AS_ROOT"] = "1",
        ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
        ["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none",
        ["OMPI_MCA_rmaps_base_oversubscribe"] = "1",
    };

    /// <summary>mpirun's path, or a skip (a failure on CI) saying it is not installed.</summary>
    public static string Require()
    {
        var found = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "mpirun")).FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }
        const string reason = "no mpirun on PATH (install openmpi-bin)";
        throw System.Environment.GetEnvironmentVariable("CI") == "true"
            ? new Xunit.Sdk.XunitException($"MPI is required on CI (CI=true) but unavailable: {reason}")
            : new SkipException($"MPI unavailable: {reason}");
    }

    /// <summary>Starts `mpirun` with <paramref name="launch"/> (its own options, then "-np N" and the program for each app context).</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, IEnumerable<string> launch)
    {
        var start = new ProcessStartInfo(Require())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in launch)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in Environment.Concat(environment))
        {
            start.Environment[name] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException("mpirun did not start");
    }

    /// <summary>"-np <paramref name="ranks"/> dotnet descent.dll <paramref name="args"/>": one app context of an mpirun command line.</summary>
    public static IEnumerable<string> Ranks(int ranks, params string[] args) =>
        ["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", DescentProcess.HostAssembly(), .. args];

    /// <summary>Runs `descent <paramref name="args"/>` as <paramref name="ranks"/> ranks and waits at most <paramref name="limit"/>.</summary>
    public static CommandLine.Outcome Run(int ranks, TimeSpan limit, params string[] args) =>
        Run(new Dictionary<string, string>(), limit, Ranks(ranks, args));

    public static CommandLine.Outcome Run(IReadOnlyDictionary<string, string> environment, TimeSpan limit, IEnumerable<string> launch)
    {
        using var process = Start(environment, launch);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun {string.Join(' ', launch)} ran over {limit.TotalSeconds} s");
        }
        return new CommandLine.Outcome(process.ExitCode, output.Result, error.Result);
    }
}
