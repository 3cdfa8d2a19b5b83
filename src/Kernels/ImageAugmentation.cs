namespace Descent.Kernels;

/// <summary>What a random crop reads where its window leaves the image.</summary>
public enum CropPadding
{
    /// <summary>Pixel value 0 before normalisation, as torchvision's RandomCrop(padding=N) pads a picture.</summary>
    Zero,

    /// <summary>The image mirrored about its edge row or column, the edge not repeated (PyTorch's "reflect").</summary>
    Reflect,
}

/// <summary>
/// The augmentation of a training batch's images: a crop of the image's own size from the image padded by
/// <paramref name="Padding"/> on every side (0: no crop), then, with <paramref name="HorizontalFlip"/>, a left-right
/// mirror of half the items. Which crop and whether an item flips are drawn by <see cref="AugmentationDraw"/>.
/// </summary>
public readonly record struct ImageAugmentation(int Padding, CropPadding PaddingMode, bool HorizontalFlip)
{
    /// <summary>Whether the augmentation changes anything.</summary>
    public bool IsIdentity => Padding == 0 && !HorizontalFlip;
}

/// <summary>The draw's key: the run's seed and the epoch (0 for the first), so each epoch draws afresh and a resumed run draws the same.</summary>
public readonly record struct AugmentationKey(uint Seed, uint Epoch);

/// <summary>
/// The draw of one item's augmentation, as every backend computes it: one word of Philox4x32-10 (<see cref="DropoutMask.FirstWord"/>)
/// at counter (item, epoch) and key (seed, <see cref="Stream"/>). The item is its index in the dataset, not its place in the
/// epoch's order, so a draw depends on nothing but (seed, epoch, item). Bits 0-14 give the crop's row shift, bits 15-29 its
/// column shift (each 15 bits scaled to [0, 2 * padding] by a multiply and shift, exact in 32-bit integers, with no modulo to
/// port), bit 31 the flip. The ILGPU kernels call this code; the shader ports it and the conformance suite holds it to it.
/// </summary>
public static class AugmentationDraw
{
    /// <summary>The generator's second key word for augmentation; dropout's streams are small layer numbers, so never this.</summary>
    public const uint Stream = 0x41554731;

    /// <summary>The padding whose 2 * padding + 1 shifts still fit the 15-bit scaling in 32 bits.</summary>
    public const int MaxPadding = 16383;

    /// <summary>The word item <paramref name="item"/> draws.</summary>
    public static uint Word(uint item, uint seed, uint epoch) => DropoutMask.FirstWord(item, epoch, seed, Stream);

    /// <summary>The crop window's top row in the padded image, in [0, 2 * padding]; the image's row is this minus padding.</summary>
    public static int RowShift(uint word, int padding) => (int)(((word & 0x7FFFu) * (uint)(2 * padding + 1)) >> 15);

    /// <summary>The crop window's left column in the padded image, in [0, 2 * padding].</summary>
    public static int ColumnShift(uint word, int padding) => (int)((((word >> 15) & 0x7FFFu) * (uint)(2 * padding + 1)) >> 15);

    /// <summary>Whether the word mirrors the item, when flips are asked for.</summary>
    public static bool Flips(uint word) => (word >> 31) != 0;

    /// <summary>
    /// The image coordinate a padded coordinate reads along an axis of <paramref name="size"/>: itself inside the image; outside,
    /// its mirror about the edge with <paramref name="reflect"/> (-1 reads 1, size reads size - 2; one reflection suffices as the
    /// padding is below the size), else -1 (a zero pixel).
    /// </summary>
    public static int SourceCoordinate(int coordinate, int size, bool reflect)
    {
        if (coordinate >= 0 && coordinate < size)
        {
            return coordinate;
        }
        if (!reflect)
        {
            return -1;
        }
        return coordinate < 0 ? -coordinate : 2 * size - 2 - coordinate;
    }
}
