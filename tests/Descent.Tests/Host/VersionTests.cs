using System.Diagnostics;
using System.Reflection;
using Descent.Host;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>`descent --version`: one line with Directory.Build.props's version and the commit the build came from.</summary>
public sealed class VersionTests
{
    [Fact]
    public void Version_prints_one_line_with_the_assembly_version_and_the_commit()
    {
        var outcome = CommandLine.Run("--version");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal("", outcome.Error);
        var line = Assert.Single(outcome.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var version = typeof(DescentApp).Assembly.GetName().Version!.ToString(3);
        Assert.Matches($@"^descent {version.Replace(".", @"\.")} \(commit ([0-9a-f]{{7}}|unknown)\)$", line);

        // Built from a clone (as CI does), the commit is the checkout's HEAD.
        var head = GitHead();
        if (head is not null)
        {
            Assert.Equal($"descent {version} (commit {head[..7]})", line);
        }
    }

    [Fact]
    public void Version_records_the_commit_as_build_metadata()
    {
        var informational = typeof(DescentApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        Assert.Equal(informational, DescentApp.Version);
        Assert.Matches(@"^\d+\.\d+\.\d+(\+[0-9a-f]{7})?$", DescentApp.Version);
    }

    [Theory]
    [InlineData("0.1.0+abc1234", "descent 0.1.0 (commit abc1234)")]
    [InlineData("0.1.0", "descent 0.1.0 (commit unknown)")]
    [InlineData("0.2.0-beta.1+", "descent 0.2.0-beta.1 (commit unknown)")]
    public void Version_line_reads_the_commit_from_the_build_metadata(string informational, string expected) =>
        Assert.Equal(expected, DescentApp.FormatVersionLine(informational));

    /// <summary>The full commit id of HEAD, or null when the tests do not run in a git checkout with git on the PATH.</summary>
    private static string? GitHead()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Descent.sln")))
        {
            folder = folder.Parent;
        }
        if (folder is null || !Path.Exists(Path.Combine(folder.FullName, ".git")))
        {
            return null;
        }
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["rev-parse", "HEAD"])
            {
                WorkingDirectory = folder.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && output.Length >= 7 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
