using System.Globalization;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// Makes the lesson's two-class set from ten-class MNIST: only the 3s and 7s, in their original
/// order, with target 1 for a 3 and 0 for a 7 (the chapter's <c>mnist_loss</c> convention).
/// </summary>
public static class ThreesAndSevens
{
    // The digit each new label stands for: label 0 is a 7, label 1 a 3.
    private static readonly int[] DigitOfLabel = [7, 3];

    /// <summary>The classes in label order: "7", then "3".</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        DigitOfLabel.Select(digit => digit.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Both splits of <paramref name="digits"/> reduced to their 3s and 7s.</summary>
    public static DatasetSplits From(DatasetSplits digits) => new(From(digits.Train), From(digits.Valid));

    /// <summary><paramref name="digits"/> reduced to its 3s and 7s.</summary>
    public static ImageDataset From(ImageDataset digits)
    {
        var indices = Enumerable.Range(0, digits.Count)
            .Where(i => DigitOfLabel.Contains(digits.Labels[i]))
            .ToArray();
        if (indices.Length == 0)
        {
            throw new InvalidInputException($"the {digits.Count} images hold no 3s or 7s to make the 3-vs-7 set from");
        }

        return digits.Subset(indices, label => Array.IndexOf(DigitOfLabel, label), ClassNames.Count);
    }
}
