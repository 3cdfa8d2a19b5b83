using Descent.Engine.Data;
using Descent.Engine.Training;

namespace Descent.Engine.Lesson;

/// <summary>What steps 3 to 6 share: the 3-vs-7 data, the book's name for its metric, and how they say where they measure.</summary>
internal static class ThreesAndSevensTraining
{
    /// <summary>The book's name for accuracy on 3s and 7s: the share of items with (sigmoid > 0.5) == target.</summary>
    public const string Metric = "batch_accuracy";

    public static LessonNote MeasuredOn(LessonContext context) => new(
        $"measured on {context.Data.ValidSetName} {context.Data.ThreesAndSevens.Valid.Count} 3s and 7s, which is the book's \"valid\" set " +
        $"(trained on the {context.Data.ThreesAndSevens.Train.Count} training 3s and 7s)");

    /// <summary>The book's columns for a Learner's epochs.</summary>
    public static LessonTable EpochTable() =>
        new([new("epoch", "F0"), new("train_loss", "F6"), new("valid_loss", "F6"), new(Metric, "F4"), new("time", "F2")]);

    public static LessonRow Row(LessonTable table, EpochRecord epoch) =>
        new(table, null, [epoch.Epoch, epoch.TrainLoss, epoch.EvaluationLoss, epoch.Accuracy, epoch.Seconds]);


    public static DatasetName Dataset => DatasetName.MnistThreesAndSevens;
}
