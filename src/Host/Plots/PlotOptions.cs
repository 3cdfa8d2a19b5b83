using System.CommandLine;

namespace Descent.Host.Plots;

/// <summary>The --size option every command that draws shares.</summary>
public sealed class PlotOptions
{
    public Option<string> Size { get; } = new("--size")
    {
        Description = $"Size of the pictures in pixels, WxH [default: {PlotSize.Default}]",
        DefaultValueFactory = _ => PlotSize.Default.ToString(),
    };

    public PlotSize ReadSize(ParseResult parsed) => PlotSize.Parse(parsed.GetRequiredValue(Size));
}
