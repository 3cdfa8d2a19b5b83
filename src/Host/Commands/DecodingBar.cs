using Descent.Engine.Data;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// A progress bar for decoding a tree of pictures, on a terminal: the pictures decoded so far, of how many. Elsewhere (a pipe, a
/// log, --quiet) the decoding says how far it is in a line every tenth, through the command's ordinary messages.
/// </summary>
public static class DecodingBar
{
    /// <summary>Runs <paramref name="load"/>, handing it a bar's reporter on an interactive <paramref name="console"/>, else null.</summary>
    public static T Show<T>(IAnsiConsole console, bool quiet, Func<IProgress<PicturesDecoded>?, T> load)
    {
        if (quiet || !console.Profile.Capabilities.Interactive)
        {
            return load(null);
        }
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("decoding pictures", autoStart: true, maxValue: 1);
                result = load(new Reporter(decoded =>
                {
                    task.MaxValue = decoded.Total;
                    task.Value = decoded.Done;
                    task.Description = $"decoding pictures {decoded.Done}/{decoded.Total}";
                }));
            });
        return result;
    }

    /// <summary>Reports on the decoding thread itself: <see cref="Progress{T}"/> would post each report to the thread pool.</summary>
    private sealed class Reporter(Action<PicturesDecoded> report) : IProgress<PicturesDecoded>
    {
        private readonly Lock gate = new();

        public void Report(PicturesDecoded value)
        {
            lock (gate)
            {
                report(value);
            }
        }
    }
}
