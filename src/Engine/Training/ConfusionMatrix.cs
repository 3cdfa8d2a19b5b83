namespace Descent.Engine.Training;

/// <summary>
/// Counts of (true class, predicted class) over an evaluation: rows are the true classes, columns the
/// predictions. A model with one output (a two-class loss through a sigmoid) predicts class 1 where its
/// logit is above 0, as the losses count a row correct; a model with K outputs predicts the first largest.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] counts;

    public ConfusionMatrix(int classes)
    {
        Classes = classes;
        counts = new long[classes, classes];
    }

    public int Classes { get; }

    public long this[int actual, int predicted] => counts[actual, predicted];

    public long Total { get; private set; }

    /// <summary>Items of class <paramref name="actual"/> predicted correctly, over all items of that class (NaN for a class never seen).</summary>
    public double ClassAccuracy(int actual)
    {
        long seen = 0;
        for (var predicted = 0; predicted < Classes; predicted++)
        {
            seen += counts[actual, predicted];
        }
        return seen == 0 ? double.NaN : (double)counts[actual, actual] / seen;
    }

    /// <summary>Adds one batch: <paramref name="labels"/> (B) and the model's <paramref name="logits"/> (B, outputs).</summary>
    public void Add(ReadOnlySpan<int> labels, ReadOnlySpan<float> logits, int outputs)
    {
        for (var row = 0; row < labels.Length; row++)
        {
            var rowLogits = logits.Slice(row * outputs, outputs);
            var predicted = outputs == 1 ? (rowLogits[0] > 0f ? 1 : 0) : ArgMax(rowLogits);
            if ((uint)labels[row] < (uint)Classes && (uint)predicted < (uint)Classes)
            {
                counts[labels[row], predicted]++;
                Total++;
            }
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}
