using Descent.Engine.Training;

namespace Descent.Engine.Charts;

/// <summary>The curves of a run's epochs: training and evaluation loss on the left axis, accuracy on the right.</summary>
public static class TrainingCurves
{
    /// <param name="evaluatedOn">What the evaluation column measures, as the epoch table names it ("valid", "test").</param>
    /// <param name="accuracyName">The metric's name, as the table names it ("accuracy", the book's "batch_accuracy").</param>
    public static LineChart From(string title, IReadOnlyList<EpochRecord> epochs, string evaluatedOn, string accuracyName = "accuracy")
    {
        var x = epochs.Select(epoch => (double)epoch.Epoch).ToArray();
        var style = epochs.Count == 1 ? SeriesStyle.Markers : SeriesStyle.LineAndMarkers;
        return new LineChart(title, "epoch", "loss",
        [
            new ChartSeries("train_loss", x, epochs.Select(epoch => epoch.TrainLoss).ToArray(), style),
            new ChartSeries($"{evaluatedOn}_loss", x, epochs.Select(epoch => epoch.EvaluationLoss).ToArray(), style),
            new ChartSeries(accuracyName, x, epochs.Select(epoch => epoch.Accuracy).ToArray(), style, OnRightAxis: true),
        ], RightYLabel: accuracyName);
    }
}
