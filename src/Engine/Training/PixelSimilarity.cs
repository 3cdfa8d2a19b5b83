using Descent.Engine.Data;

namespace Descent.Engine.Training;

/// <summary>Which distance the pixel-similarity baseline measures.</summary>
public enum PixelDistance
{
    /// <summary>Mean absolute difference, the lesson's first choice.</summary>
    L1,

    /// <summary>Root of the mean squared difference.</summary>
    L2,
}

/// <summary>Accuracy of the baseline on each class and their mean.</summary>
public sealed record BaselineResult(double AccuracyOnThrees, double AccuracyOnSevens)
{
    public double MeanAccuracy => (AccuracyOnThrees + AccuracyOnSevens) / 2;
}

/// <summary>
/// The lesson's first model, no learning: average the training 3s and 7s into an "ideal" 3 and 7,
/// then call an image a 3 when it is closer to the ideal 3. Runs on the host; it is a baseline.
/// </summary>
public static class PixelSimilarity
{
    /// <summary>Label 1 marks a 3 and 0 a 7, as in the mnist-3-7 splits.</summary>
    public static BaselineResult Evaluate(DatasetSplits threesAndSevens, PixelDistance distance)
    {
        var idealThree = MeanImage(threesAndSevens.Train, label: 1);
        var idealSeven = MeanImage(threesAndSevens.Train, label: 0);
        var valid = threesAndSevens.Valid;
        int threes = 0, sevens = 0, threesRight = 0, sevensRight = 0;
        for (var item = 0; item < valid.Count; item++)
        {
            var image = valid.Pixels.AsSpan(item * valid.Features, valid.Features);
            var saysThree = Distance(image, idealThree, distance) < Distance(image, idealSeven, distance);
            if (valid.Labels[item] == 1)
            {
                threes++;
                threesRight += saysThree ? 1 : 0;
            }
            else
            {
                sevens++;
                sevensRight += saysThree ? 0 : 1;
            }
        }
        return new BaselineResult((double)threesRight / threes, (double)sevensRight / sevens);
    }

    /// <summary>The mean of every image with <paramref name="label"/>, pixels scaled to 0..1: the lesson's "ideal" digit.</summary>
    public static double[] MeanImage(ImageDataset data, int label)
    {
        var sum = new double[data.Features];
        var count = 0;
        for (var item = 0; item < data.Count; item++)
        {
            if (data.Labels[item] != label)
            {
                continue;
            }
            count++;
            var image = data.Pixels.AsSpan(item * data.Features, data.Features);
            for (var f = 0; f < sum.Length; f++)
            {
                sum[f] += image[f] / 255.0;
            }
        }
        for (var f = 0; f < sum.Length; f++)
        {
            sum[f] /= count;
        }
        return sum;
    }

    private static double Distance(ReadOnlySpan<byte> image, double[] ideal, PixelDistance distance)
    {
        double total = 0;
        for (var f = 0; f < ideal.Length; f++)
        {
            var difference = image[f] / 255.0 - ideal[f];
            total += distance == PixelDistance.L1 ? Math.Abs(difference) : difference * difference;
        }
        return distance == PixelDistance.L1 ? total / ideal.Length : Math.Sqrt(total / ideal.Length);
    }
}
