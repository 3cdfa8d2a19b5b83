using System.Diagnostics;

namespace Descent.Tests.Host;

/// <summary>
/// Runs the built `descent` in a child process, for what only a fresh process shows: the environment
/// it starts with (LD_LIBRARY_PATH) and what is found once per process (native drivers).
/// </summary>
public static class DescentProcess
{
    public static CommandLine.Outcome Run(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Run(environment, TimeSpan.FromMinutes(2), args);

    public static CommandLine.Outcome Run(IReadOnlyDictionary<string, string> environment, TimeSpan limit, params string[] args)
    {
        using var process = Start(environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"descent {string.Join(' ', args)} ran over {limit.TotalMinutes} minutes");
        }
        return new CommandLine.Outcome(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Starts `descent` with its output and error redirected, for a test that signals or kills it while it runs.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostAssembly());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    /// <summary>descent.dll as the Host project built it, in the configuration the tests were built in.</summary>
    public static string HostAssembly()
    {
        var testFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testFolder.Name;
        var configuration = testFolder.Parent!.Name;
        var root = testFolder;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Descent.sln")))
        {
            root = root.Parent;
        }
        if (root is null)
        {
            throw new InvalidOperationException($"no Descent.sln above {AppContext.BaseDirectory}");
        }
        var path = Path.Combine(root.FullName, "src", "Host", "bin", configuration, framework, "descent.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the Host project first", path);
    }
}
