namespace Descent.Engine.Training;

/// <summary>
/// One finished epoch's figures as the epoch table, the metrics file and a checkpoint record them: mean
/// training loss, loss and accuracy on the set evaluated (a validation split or the test set), and wall seconds.
/// </summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double EvaluationLoss, double Accuracy, double Seconds)
{
    /// <summary>
    /// The one name the evaluation loss goes by everywhere a run is recorded (the table, --metrics-out, a
    /// checkpoint's history): "valid_loss" on a split held out from training, "test_loss" on the test set.
    /// </summary>
    public static string EvaluationLossName(bool onValidationSplit) => onValidationSplit ? "valid_loss" : "test_loss";
}
