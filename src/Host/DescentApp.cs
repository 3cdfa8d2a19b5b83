using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Runtime.InteropServices;
using Descent.Engine.Files;
using Descent.Host.Commands;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host;

/// <summary>
/// The `descent` console: parses, dispatches to a command, and turns every failure into one line on
/// stderr plus an exit code. Nothing here does training mathematics.
/// </summary>
public static class DescentApp
{
    /// <summary>
    /// The version metrics, model files and ONNX exports record: Directory.Build.props's version with the commit the
    /// build came from as SemVer build metadata ("0.1.0+c4d15c0"), or the version alone when built outside a repository.
    /// </summary>
    public static string Version { get; } =
        typeof(DescentApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>What `descent --version` prints: "descent 0.1.0 (commit c4d15c0)", or "(commit unknown)".</summary>
    public static string VersionLine => FormatVersionLine(Version);

    internal static string FormatVersionLine(string informationalVersion)
    {
        var plus = informationalVersion.IndexOf('+', StringComparison.Ordinal);
        var version = plus < 0 ? informationalVersion : informationalVersion[..plus];
        var commit = plus < 0 || plus == informationalVersion.Length - 1 ? "unknown" : informationalVersion[(plus + 1)..];
        return $"descent {version} (commit {commit})";
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parsed = CreateCommands(CreateConsole(output), output, error).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // The parser's messages may span lines (lists of choices): fold each onto one line.
            var messages = parsed.Errors
                .Select(e => string.Join(' ', e.Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.'))
                .Distinct();
            error.WriteLine($"descent: error: {string.Join("; ", messages)} (see 'descent --help')");
            return ExitCodes.BadInput;
        }

        try
        {
            // Ctrl+C and SIGTERM cancel the command's token; a command stops after its current batch and
            // the OperationCanceledException below turns into exit code 130 (Ctrl+C) or 143 (SIGTERM).
            using var interrupt = new CancellationTokenSource();
            var exitCode = ExitCodes.Interrupted;
            PosixSignalRegistration Stop(PosixSignal signal, int code) => PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                if (!interrupt.IsCancellationRequested)
                {
                    exitCode = code;
                    interrupt.Cancel();
                }
            });
            using var onInterrupt = Stop(PosixSignal.SIGINT, ExitCodes.Interrupted);
            using var onTerminate = Stop(PosixSignal.SIGTERM, ExitCodes.Terminated);
            try
            {
                return parsed.InvokeAsync(new InvocationConfiguration
                {
                    EnableDefaultExceptionHandler = false,
                    ProcessTerminationTimeout = null,
                    Output = output,
                    Error = error,
                }, interrupt.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException stopped) when (interrupt.IsCancellationRequested)
            {
                var signal = exitCode == ExitCodes.Terminated ? "terminated" : "interrupted";
                error.WriteLine(stopped is RunInterruptedException run ? $"descent: {signal}: {run.Message}" : $"descent: {signal}");
                return exitCode;
            }
        }
        catch (Exception failure)
        {
            var (line, code) = Describe(failure);
            error.WriteLine($"descent: {line}");
            return code;
        }
    }

    /// <summary>The one line (after "descent: ") and the exit code a failure ends the process with.</summary>
    internal static (string Line, int ExitCode) Describe(Exception failure) => failure switch
    {
        DescentException expected => ($"error: {expected.Message}", ExitCodes.For(expected)),
        // A failed read or write that no command named is still the machine's doing, not a bug in Descent.
        IOException or UnauthorizedAccessException => ($"error: input/output failure: {FailureCause.Of(failure)}", ExitCodes.Unavailable),
        // Sizes are checked against the memory there is before allocating; running out after is the machine's doing.
        OutOfMemoryException => ("error: out of memory: the machine could not give Descent the memory it needed; " +
            "free some, or use a smaller model or --batch-size", ExitCodes.Unavailable),
        // Anything unplanned is still one line; the type name helps a bug report.
        _ => ($"error: internal failure ({failure.GetType().Name}): {failure.Message}", ExitCodes.InternalFailure),
    };

    /// <summary>Every command of `descent`, with parsers that say what each numeric option takes.</summary>
    internal static RootCommand CreateCommands(IAnsiConsole console, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Descent: train neural networks on any GPU, with hand-written kernels.")
        {
            TrainCommand.Create(console, error),
            EvalCommand.Create(console, output, error),
            ExportCommand.Create(console, error),
            PredictCommand.Create(console, output, error),
            BaselineCommand.Create(console, error),
            DataCommand.Create(console, error),
            CheckCommand.Create(console, error),
            BenchCommand.Create(console, error),
            DevicesCommand.Create(console),
            LessonCommand.Create(console, error),
            LrFindCommand.Create(console, error),
            WeightsCommand.Create(console, error),
        };
        root.Options.OfType<VersionOption>().Single().Action = new PrintVersionLine();
        NumericOptions.Describe(root);
        return root;
    }

    /// <summary>`--version`: the version line, in place of System.CommandLine's bare informational version.</summary>
    private sealed class PrintVersionLine : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            (parseResult.InvocationConfiguration.Output ?? Console.Out).WriteLine(VersionLine);
            return ExitCodes.Success;
        }
    }

    /// <summary>A Spectre console over the given writer: colours and live widgets only on a real terminal.</summary>
    private static IAnsiConsole CreateConsole(TextWriter output)
    {
        var isTerminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            // A log or a pipe has no width; wrapping lines at 80 columns would only garble them.
            console.Profile.Width = 1024;
        }
        return console;
    }
}
