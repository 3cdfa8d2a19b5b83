using System.Globalization;

namespace Descent.Engine.Models;

/// <summary>
/// The shape of one item's activations between two layers: channels, height and width (NCHW without the
/// batch). A flat row of n features is (n, 1, 1), so a linear layer's output and an image share one type and
/// flatten changes the shape without touching the data: a batch is always rows of <see cref="Features"/>.
/// </summary>
public readonly record struct FeatureShape(int Channels, int Height, int Width)
{
    public static FeatureShape Flat(int features) => new(features, 1, 1);

    public long Features => (long)Channels * Height * Width;

    /// <summary>Whether this is a row of features rather than an image (a 1x1 image of many channels reads as one).</summary>
    public bool IsFlat => Height == 1 && Width == 1;

    /// <summary>The --layers spelling: "784" when flat, else channels x height x width, "1x28x28".</summary>
    public override string ToString() => IsFlat
        ? Channels.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Channels}x{Height}x{Width}");
}
