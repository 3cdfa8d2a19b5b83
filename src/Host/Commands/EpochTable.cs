using System.Diagnostics;
using System.Globalization;
using Descent.Engine.Training;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// Prints training as a table of epochs: a live progress bar during each epoch on a terminal, plain
/// lines in a pipe or a log, and only the final row with --quiet. The evaluation column is named for
/// the split it measures: "test_loss" on the test set, "valid_loss" on a split held out from training; a run that
/// also reports a test set beside its validation set (<paramref name="reportsTestSet"/>) has its test_loss and test_acc last.
/// </summary>
public sealed class EpochTable(IAnsiConsole console, bool quiet, bool onTestSet, bool reportsTestSet = false)
{
    private string HeaderLine => (onTestSet
        ? "epoch  train_loss   test_loss  accuracy  seconds"
        : "epoch  train_loss  valid_loss  accuracy  seconds") + (reportsTestSet ? "   test_loss  test_acc" : "");

    private bool Interactive => !quiet && console.Profile.Capabilities.Interactive;

    public void WriteHeader()
    {
        if (!quiet)
        {
            console.WriteLine(HeaderLine);
        }
    }

    public void WriteRow(EpochRecord row)
    {
        if (!quiet)
        {
            console.WriteLine(Format(row));
        }
    }

    /// <summary>With --quiet the final row is all that is printed.</summary>
    public void WriteFinal(EpochRecord row)
    {
        if (quiet)
        {
            console.WriteLine(HeaderLine);
            console.WriteLine(Format(row));
        }
    }

    /// <summary>
    /// Runs one epoch, with a bar of batches and images per second on a terminal. The bar follows
    /// batches as they are queued; the interrupt token is checked there, between batches.
    /// </summary>
    public EpochMetrics ShowProgress(int epoch, int epochs, int batches, int batchSize, CancellationToken cancellation,
        Func<Action<int>, EpochMetrics> trainEpoch)
    {
        if (!Interactive)
        {
            return trainEpoch(_ => cancellation.ThrowIfCancellationRequested());
        }
        EpochMetrics result = default;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask($"epoch {epoch}/{epochs}", maxValue: batches);
                var clock = Stopwatch.StartNew();
                result = trainEpoch(queued =>
                {
                    cancellation.ThrowIfCancellationRequested();
                    task.Value = queued;
                    var imagesPerSecond = queued * batchSize / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    task.Description = $"epoch {epoch}/{epochs} {queued}/{batches} batches {imagesPerSecond:F0} img/s";
                });
            });
        return result;
    }

    private string Format(EpochRecord row) => string.Format(CultureInfo.InvariantCulture,
        "{0,5}  {1,10:F6}  {2,10:F6}  {3,8:F4}  {4,7:F2}", row.Epoch, row.TrainLoss, row.EvaluationLoss, row.Accuracy, row.Seconds) +
        (reportsTestSet ? string.Format(CultureInfo.InvariantCulture, "  {0,10:F6}  {1,8:F4}", row.TestLoss ?? double.NaN, row.TestAccuracy ?? double.NaN) : "");
}
