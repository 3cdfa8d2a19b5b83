using System.Globalization;
using Descent.Kernels;

namespace Descent.Host.Plots;

/// <summary>A picture's size in pixels, as --size WxH spells it.</summary>
public readonly record struct PlotSize(int Width, int Height)
{
    public static PlotSize Default { get; } = new(800, 600);

    /// <summary>Smaller leaves no room for axes and labels; larger is no longer a picture to look at.</summary>
    public const int Smallest = 100;
    public const int Largest = 8000;

    /// <summary>Reads "WxH" (like 800x600); anything else, or a side outside 100..8000, is bad usage.</summary>
    public static PlotSize Parse(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height))
        {
            if (width is < Smallest or > Largest || height is < Smallest or > Largest)
            {
                throw new InvalidInputException($"--size {text}: each side must be {Smallest} to {Largest} pixels");
            }
            return new PlotSize(width, height);
        }
        throw new InvalidInputException($"--size takes the width and height in pixels as WxH, like {Default}; got '{text}'");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}");
}
