using Descent.Host;

namespace Descent.Tests.Host;

/// <summary>Runs `descent` in-process and captures what a person would see.</summary>
public static class CommandLine
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
}
