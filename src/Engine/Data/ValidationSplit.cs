using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>
/// Holds out a seeded random part of the training set to validate on, in place of the test set
/// (the host's --valid-split F). Both parts keep the images' original order, and the same seed
/// always picks the same images.
/// </summary>
public static class ValidationSplit
{
    /// <summary>
    /// Splits <paramref name="training"/>: round(<paramref name="fraction"/> x Count) images, chosen by a
    /// shuffle seeded with <paramref name="seed"/>, become Valid; the rest stay Train.
    /// </summary>
    public static DatasetSplits HoldOut(ImageDataset training, double fraction, int seed)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new InvalidInputException($"the validation fraction must lie strictly between 0 and 1, got {fraction}");
        }

        var heldOutCount = (int)Math.Round(fraction * training.Count, MidpointRounding.AwayFromZero);
        if (heldOutCount == 0 || heldOutCount == training.Count)
        {
            throw new InvalidInputException(
                $"a validation fraction of {fraction} of {training.Count} images leaves {(heldOutCount == 0 ? "no images to validate on" : "no images to train on")}");
        }

        var order = Enumerable.Range(0, training.Count).ToArray();
        new Random(seed).Shuffle(order);
        var heldOut = order[..heldOutCount];
        var kept = order[heldOutCount..];
        Array.Sort(heldOut);
        Array.Sort(kept);
        return new DatasetSplits(training.Subset(kept), training.Subset(heldOut));
    }
}
