using System.Globalization;
using Descent.Engine.Data;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>
/// The augmentation of a run's training batches as the spec records it: a list of tokens, "crop4" (a random crop of the
/// image's size from the image padded by 4 zero pixels on every side, as torchvision's RandomCrop(size, padding=4)),
/// "crop4reflect" (padded by its own reflection instead) and "flip" (a horizontal flip of half the items, drawn per item).
/// The crop comes before the flip whatever the order written, as torchvision's recipes compose them, so the tokens are
/// kept in that order: one run has one spelling. Evaluation is never augmented.
/// </summary>
public static class Augmentation
{
    /// <summary>The list's grammar, for --help and messages.</summary>
    public const string Grammar = "a comma-separated list of cropN (random crop after padding N zero pixels), " +
        "cropNreflect (padding by reflection), flip (horizontal flip), or none";

    /// <summary>The token that asks for no augmentation on the command line (a dataset's default may have some).</summary>
    public const string None = "none";

    public const string Flip = "flip";

    private const string Crop = "crop";
    private const string ReflectSuffix = "reflect";

    /// <summary>
    /// Reads <paramref name="text"/> as <see cref="Grammar"/> into the spec's tokens, crop first; "none" is the empty list.
    /// Anything else is bad input naming the token.
    /// </summary>
    public static IReadOnlyList<string> ParseList(string text)
    {
        var tokens = text.Split(',', StringSplitOptions.TrimEntries);
        if (tokens.Length == 1 && string.Equals(tokens[0], None, StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }
        return Canonical(tokens.Select(token => token.ToLowerInvariant()).ToArray());
    }

    /// <summary>The augmentation <paramref name="tokens"/> stand for; a token outside the grammar, or one given twice, is bad input.</summary>
    public static ImageAugmentation Read(IReadOnlyList<string> tokens)
    {
        var padding = 0;
        var mode = CropPadding.Zero;
        var flip = false;
        var cropSeen = false;
        foreach (var token in tokens)
        {
            if (token == Flip)
            {
                if (flip)
                {
                    throw Repeated(token);
                }
                flip = true;
                continue;
            }
            if (!TryReadCrop(token, out var cropPadding, out var cropMode))
            {
                throw new InvalidInputException($"augment '{token}' is not {Grammar}");
            }
            if (cropSeen)
            {
                throw Repeated(token);
            }
            (cropSeen, padding, mode) = (true, cropPadding, cropMode);
        }
        return new ImageAugmentation(padding, mode, flip);
    }

    /// <summary>The tokens of <paramref name="augmentation"/>, crop first: what the spec records.</summary>
    public static IReadOnlyList<string> Tokens(ImageAugmentation augmentation)
    {
        var tokens = new List<string>();
        if (augmentation.Padding > 0)
        {
            tokens.Add(string.Create(CultureInfo.InvariantCulture,
                $"{Crop}{augmentation.Padding}{(augmentation.PaddingMode == CropPadding.Reflect ? ReflectSuffix : "")}"));
        }
        if (augmentation.HorizontalFlip)
        {
            tokens.Add(Flip);
        }
        return tokens;
    }

    /// <summary>
    /// Checks <paramref name="augmentation"/> against the run's input and dataset: only images are augmented (an input of
    /// channels x height x width, each side at least 2), a crop's padding is below both sides (a reflection needs that, and a
    /// window shifted further would see nothing of the image), and a flip only where a mirrored item keeps its class.
    /// </summary>
    public static void Check(ImageAugmentation augmentation, IReadOnlyList<int> inputShape, string datasetName)
    {
        if (augmentation.IsIdentity)
        {
            return;
        }
        var written = string.Join(",", Tokens(augmentation));
        if (inputShape.Count != 3 || inputShape[1] < 2 || inputShape[2] < 2)
        {
            throw new InvalidInputException(
                $"augment {written}: only images are augmented, and the input is {string.Join('x', inputShape)}");
        }
        var (height, width) = (inputShape[1], inputShape[2]);
        if (augmentation.Padding >= Math.Min(height, width))
        {
            throw new InvalidInputException(
                $"augment {written}: a crop's padding must be less than the image's {height}x{width} sides, got {augmentation.Padding}");
        }
        if (augmentation.HorizontalFlip && DatasetName.All.FirstOrDefault(dataset => dataset.Name == datasetName) is { MirrorKeepsClass: false } dataset)
        {
            throw new InvalidInputException($"augment {written}: {dataset.Name}'s items change meaning when mirrored; no flip for them");
        }
    }

    private static IReadOnlyList<string> Canonical(IReadOnlyList<string> tokens) => Tokens(Read(tokens));

    private static bool TryReadCrop(string token, out int padding, out CropPadding mode)
    {
        padding = 0;
        mode = CropPadding.Zero;
        if (!token.StartsWith(Crop, StringComparison.Ordinal))
        {
            return false;
        }
        var digits = token[Crop.Length..];
        if (digits.EndsWith(ReflectSuffix, StringComparison.Ordinal))
        {
            mode = CropPadding.Reflect;
            digits = digits[..^ReflectSuffix.Length];
        }
        return digits.Length > 0 && digits.All(char.IsAsciiDigit)
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out padding)
            && padding is > 0 and <= AugmentationDraw.MaxPadding;
    }

    private static InvalidInputException Repeated(string token) =>
        new($"augment '{token}': each augmentation is given once (one crop, one flip)");
}
