using Descent.Engine.Data;
using Descent.Engine.Training;

namespace Descent.Engine.Lesson;

/// <summary>
/// One arm of an experiment, trained: its label, spec and parameter count, the evaluation before training,
/// every epoch, and the guard's message if it diverged (an outcome the learning-rate experiment expects).
/// </summary>
internal sealed record Variant(string Label, TrainingSpec Spec, int Parameters, EpochMetrics AtStart, IReadOnlyList<EpochRecord> History,
    string? Divergence)
{
    /// <summary>Items trained on after each epoch: the x of a curve against items seen, starting at 0.</summary>
    public double[] ItemsSeen(int itemsPerEpoch) => [0, .. History.Select(epoch => (double)epoch.Epoch * itemsPerEpoch)];

    /// <summary>The evaluation loss before training and after each epoch.</summary>
    public double[] EvaluationLosses => [AtStart.MeanLoss, .. History.Select(epoch => epoch.EvaluationLoss)];

    /// <summary>Mean wall seconds of an epoch (its evaluation included), NaN when none finished.</summary>
    public double SecondsPerEpoch => History.Count == 0 ? double.NaN : History.Average(epoch => epoch.Seconds);

    /// <summary>Trains <paramref name="spec"/> for <paramref name="epochs"/> epochs; a divergence ends it and is kept, not thrown.</summary>
    public static Variant Train(LessonContext context, string label, TrainingSpec spec, DatasetSplits splits, int epochs)
    {
        using var run = context.Run(spec, splits);
        var atStart = run.Learner.Evaluate();
        var history = new List<EpochRecord>();
        string? divergence = null;
        try
        {
            history.AddRange(context.Epochs(run, epochs));
        }
        catch (DivergedException diverged)
        {
            divergence = diverged.Message;
        }
        return new Variant(label, spec, run.Model.ParameterCount, atStart, history, divergence);
    }
}
