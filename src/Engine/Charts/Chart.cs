namespace Descent.Engine.Charts;

/// <summary>
/// What a picture shows, as data: the engine says what to draw and the host draws it (design: the host
/// knows plots). Each kind of chart is a record below; a renderer handles every kind.
/// </summary>
public abstract record Chart(string Title);

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    Line,
    Markers,
    LineAndMarkers,
}

/// <summary>One named curve: the points (X[i], Y[i]), on the left y axis or the right one.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y,
    SeriesStyle Style = SeriesStyle.Line, bool OnRightAxis = false);

/// <summary>
/// Curves against one x axis, logarithmic where <paramref name="LogX"/> (a learning-rate sweep); the left y
/// axis is logarithmic where <paramref name="LogY"/> (losses falling over orders of magnitude, all positive);
/// series marked for the right axis are measured on a second y axis labelled <paramref name="RightYLabel"/>.
/// </summary>
public sealed record LineChart(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series,
    bool LogX = false, bool LogY = false, string? RightYLabel = null) : Chart(Title);

/// <summary>How heat-map values become colours.</summary>
public enum ColourScale
{
    /// <summary>Centred on zero: one colour for negative, another for positive, white at zero (weights).</summary>
    Diverging,

    /// <summary>0 is paper and 1 is ink, as a digit is drawn (pixel intensities scaled to 0..1).</summary>
    Ink,
}

/// <summary>One panel: <paramref name="Rows"/> x <paramref name="Cols"/> values, row-major, row 0 at the top.</summary>
public sealed record HeatMapPanel(string Label, int Rows, int Cols, IReadOnlyList<double> Values);

/// <summary>Panels side by side on one colour scale, so that they can be compared cell for cell.</summary>
public sealed record HeatMapChart(string Title, IReadOnlyList<HeatMapPanel> Panels, ColourScale Scale) : Chart(Title);
