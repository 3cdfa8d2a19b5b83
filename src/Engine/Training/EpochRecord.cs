using System.Text.Json.Nodes;

namespace Descent.Engine.Training;

/// <summary>
/// One finished epoch's figures as the epoch table, the metrics file and a checkpoint record them: mean
/// training loss, loss and accuracy on the set evaluated (a validation split or the test set), and wall seconds; and, where a
/// run has a test set beside its validation set (a tree with valid/ and test/ folders), the test set's loss and accuracy,
/// only reported.
/// </summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double EvaluationLoss, double Accuracy, double Seconds,
    double? TestLoss = null, double? TestAccuracy = null)
{
    /// <summary>
    /// The one name the evaluation loss goes by everywhere a run is recorded (the table, --metrics-out, a
    /// checkpoint's history): "valid_loss" on a split held out from training, "test_loss" on the test set.
    /// </summary>
    public static string EvaluationLossName(bool onValidationSplit) => onValidationSplit ? "valid_loss" : "test_loss";

    /// <summary>
    /// The row as the metrics file and a checkpoint's history write it, the evaluation loss under <paramref name="evaluationLoss"/>;
    /// test_loss and test_accuracy follow only where the run reported a test set beside its validation set.
    /// </summary>
    public JsonObject ToJson(string evaluationLoss)
    {
        var json = new JsonObject
        {
            ["epoch"] = Epoch,
            ["train_loss"] = Finite(TrainLoss),
            [evaluationLoss] = Finite(EvaluationLoss),
            ["accuracy"] = Finite(Accuracy),
            ["seconds"] = Finite(Seconds),
        };
        if (TestLoss is { } testLoss)
        {
            json["test_loss"] = Finite(testLoss);
            json["test_accuracy"] = Finite(TestAccuracy ?? double.NaN);
        }
        return json;
    }

    /// <summary>JSON has no NaN or infinity: such a figure is written as null.</summary>
    private static JsonNode? Finite(double value) => double.IsFinite(value) ? value : null;
}
