using System.Diagnostics;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// Starts `descent` as the ranks of an MPI job through the mpirun on PATH (Open MPI's), or MPICH's mpiexec.mpich, with what
/// Open MPI needs in a container run as root: root allowed, no cross-memory-attach single copy (containers forbid it), more
/// ranks than cores allowed. Where the launcher is not installed a test is skipped with the reason, except on CI
/// (CI=true), which installs both. Call from a [SkippableFact] or [SkippableTheory].
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

    /// <summary>MPICH's launcher, in Debian's mpich package beside Open MPI's mpirun.</summary>
    public const string Mpich = "mpiexec.mpich";

    /// <summary>The launcher's path (Open MPI's mpirun unless named), or a skip (a failure on CI) saying it is not installed.</summary>
    public static string Require(string launcher = "mpirun")
    {
        var found = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, launcher)).FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }
        var reason = $"no {launcher} on PATH (install {(launcher == Mpich ? "mpich" : "openmpi-bin")})";
        throw System.Environment.GetEnvironmentVariable("CI") == "true"
            ? new Xunit.Sdk.XunitException($"MPI is required on CI (CI=true) but unavailable: {reason}")
            : new SkipException($"MPI unavailable: {reason}");
    }

    /// <summary>Starts the launcher with <paramref name="launch"/> (its own options, then "-np N" and the program for each app context).</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, IEnumerable<string> launch, string launcher = "mpirun")
    {
        var start = new ProcessStartInfo(Require(launcher))
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
        return Process.Start(start) ?? throw new InvalidOperationException($"{launcher} did not start");
    }

    /// <summary>"-np <paramref name="ranks"/> dotnet descent.dll <paramref name="args"/>": one app context of an mpirun command line.</summary>
    public static IEnumerable<string> Ranks(int ranks, params string[] args) =>
        ["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", DescentProcess.HostAssembly(), .. args];

    /// <summary>Runs `descent <paramref name="args"/>` as <paramref name="ranks"/> ranks and waits at most <paramref name="limit"/>.</summary>
    public static CommandLine.Outcome Run(int ranks, TimeSpan limit, params string[] args) =>
        Run(new Dictionary<string, string>(), limit, Ranks(ranks, args));

    public static CommandLine.Outcome Run(IReadOnlyDictionary<string, string> environment, TimeSpan limit, IEnumerable<string> launch,
        string launcher = "mpirun")
    {
        using var process = Start(environment, launch, launcher);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{launcher} {string.Join(' ', launch)} ran over {limit.TotalSeconds} s");
        }
        return new CommandLine.Outcome(process.ExitCode, output.Result, error.Result);
    }
}
