using Descent.Engine.Charts;
using Descent.Engine.Training;

namespace Descent.Engine.Lesson;

/// <summary>
/// Step 1: no learning. The mean of the training 3s and of the 7s are the "ideal" digits; an image is a 3
/// when it is closer to the ideal 3. The same engine code as `descent baseline`.
/// </summary>
public sealed class PixelSimilarityStep : LessonPart
{
    public override string Name => "pixel-similarity";

    public override string Title => "Pixel similarity: the ideal 3 and 7, no learning";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var splits = context.Data.ThreesAndSevens;
        var booksData = context.Data.IsBooksThreesAndSevens;
        yield return new LessonNote($"the mean of the {Count(splits.Train, 1)} training 3s and of the {Count(splits.Train, 0)} training 7s; " +
            $"each of the {splits.Valid.Count} test 3s and 7s goes to the nearer (`descent baseline`'s code)");
        var l1 = PixelSimilarity.Evaluate(splits, PixelDistance.L1);
        yield return LessonFigure.Final("L1 (mean absolute difference): accuracy on 3s", l1.AccuracyOnThrees, Book.PixelSimilarityThrees, booksData);
        yield return LessonFigure.Final("L1: accuracy on 7s", l1.AccuracyOnSevens, Book.PixelSimilaritySevens, booksData);
        yield return LessonFigure.Final("L1: mean accuracy", l1.MeanAccuracy, Book.PixelSimilarityMean, booksData);
        var l2 = PixelSimilarity.Evaluate(splits, PixelDistance.L2);
        yield return LessonFigure.Own("L2 (root mean squared difference): accuracy on 3s", l2.AccuracyOnThrees);
        yield return LessonFigure.Own("L2: accuracy on 7s", l2.AccuracyOnSevens);
        yield return LessonFigure.Own("L2: mean accuracy", l2.MeanAccuracy);
        var (rows, cols) = (splits.Train.ImageRows, splits.Train.ImageCols);
        yield return new LessonPicture("1-ideal-digits.png", "the mean 3 and the mean 7 the distances are measured to",
            new HeatMapChart("Step 1: the ideal 3 and 7, the mean training images (ink 0 to 1)",
            [
                new HeatMapPanel("ideal 3", rows, cols, PixelSimilarity.MeanImage(splits.Train, label: 1)),
                new HeatMapPanel("ideal 7", rows, cols, PixelSimilarity.MeanImage(splits.Train, label: 0)),
            ], ColourScale.Ink));
    }

    private static int Count(Data.ImageDataset data, int label) => data.Labels.Count(l => l == label);
}
