using System.Globalization;
using System.Text.RegularExpressions;
using Descent.Host;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>Runs `descent` in-process and captures what a person would see.</summary>
public static partial class CommandLine
{
    public sealed record Outcome(int ExitCode, string Output, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Outcome Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = DescentApp.Run(args, output, error);
        return new Outcome(code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Asserts what every failure looks like: the exit code, one line `descent: error: ...` on stderr
    /// holding <paramref name="expected"/> (progress lines aside), and no stack trace.
    /// </summary>
    public static string AssertOneLineError(Outcome outcome, int exitCode, string expected)
    {
        Assert.Equal(exitCode, outcome.ExitCode);
        var line = Assert.Single(outcome.ErrorLines, l => !l.StartsWith("descent: checking", StringComparison.Ordinal));
        Assert.StartsWith("descent: error: ", line);
        Assert.Contains(expected, line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", outcome.Error);
        return line;
    }

    /// <summary>The evaluation loss and accuracy of the last epoch row `descent train` printed.</summary>
    public static (double Loss, double Accuracy) LastEvaluation(string output)
    {
        var row = EpochRow().Matches(output).Last();
        return (double.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^\s*\d+\s+\S+\s+([0-9.]+)\s+([0-9.]+)\s+[0-9.]+\s*$", RegexOptions.Multiline)]
    private static partial Regex EpochRow();
}
