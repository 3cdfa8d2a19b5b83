using System.Globalization;
using Descent.Engine.Charts;
using ScottPlot;

namespace Descent.Host.Plots;

/// <summary>
/// Draws the engine's charts as PNG with ScottPlot, off screen: no window, no browser, no display needed.
/// Every kind of <see cref="Chart"/> has its drawing here.
/// </summary>
public static class ChartRenderer
{
    /// <summary>Panels at most this many get their label drawn above them; more would crowd it out.</summary>
    private const int MostLabelledPanels = 16;

    /// <summary>Colours of ScottPlot's default palette (Category10).</summary>
    private const int PaletteColours = 10;

    /// <summary>How far along Viridis a gradient of series goes: its last stretch is too pale to read on white.</summary>
    private const double GradientEnd = 0.85;

    public static byte[] Png(Chart chart, PlotSize size) => chart switch
    {
        LineChart line => Png(Lines(line), size),
        HeatMapChart heatMaps => Png(HeatMaps(heatMaps, size), size),
        _ => throw new ArgumentException($"no drawing for a {chart.GetType().Name}", nameof(chart)),
    };

    internal static byte[] Png(Plot plot, PlotSize size) => plot.GetImageBytes(size.Width, size.Height, ImageFormat.Png);

    private static Plot Lines(LineChart chart)
    {
        var plot = new Plot();
        plot.Title(chart.Title);
        plot.XLabel(chart.XLabel);
        plot.YLabel(chart.YLabel);
        // Past the palette's ten colours, colours would repeat: many series (one per step of a descent) go along a gradient instead.
        var gradient = chart.Series.Count > PaletteColours ? new ScottPlot.Colormaps.Viridis() : null;
        for (var index = 0; index < chart.Series.Count; index++)
        {
            var series = chart.Series[index];
            var x = series.X.Select(value => chart.LogX ? Math.Log10(value) : value).ToArray();
            var y = series.Y.Select(value => chart.LogY && !series.OnRightAxis ? Math.Log10(value) : value).ToArray();
            var scatter = plot.Add.Scatter(x, y);
            if (gradient is not null)
            {
                scatter.Color = gradient.GetColor(GradientEnd * index / (chart.Series.Count - 1));
            }
            scatter.LegendText = series.Name;
            scatter.MarkerSize = series.Style == SeriesStyle.Line ? 0 : 5;
            scatter.LineWidth = series.Style == SeriesStyle.Markers ? 0 : 2;
            if (series.OnRightAxis)
            {
                scatter.Axes.YAxis = plot.Axes.Right;
            }
        }
        if (chart.RightYLabel is { } rightLabel)
        {
            plot.Axes.Right.Label.Text = rightLabel;
        }
        // ScottPlot draws a log scale as log10 of the data, with ticks placed and labelled here in the data's units.
        if (chart.LogX)
        {
            SetLogTicks(plot.Axes.Bottom, chart.Series.SelectMany(series => series.X));
        }
        else if (chart.Series.All(series => series.X.All(x => x == Math.Round(x))))
        {
            // Epochs and item counts: no tick between two whole numbers.
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }
        if (chart.LogY)
        {
            SetLogTicks(plot.Axes.Left, chart.Series.Where(series => !series.OnRightAxis).SelectMany(series => series.Y));
        }
        // Below the plot, the legend takes height rather than width, so that long names leave the curves their room.
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    /// <summary>
    /// Ticks at 1, 2 and 5 times each power of ten the data spans (at the powers of ten alone when it spans
    /// more than three decades), on an axis that holds log10 of the data.
    /// </summary>
    private static void SetLogTicks(IAxis axis, IEnumerable<double> data)
    {
        var positive = data.Where(value => value > 0 && double.IsFinite(value)).ToList();
        if (positive.Count == 0)
        {
            return;
        }
        var (low, high) = (Math.Log10(positive.Min()), Math.Log10(positive.Max()));
        double[] multiples = high - low > 3 ? [1] : [1, 2, 5];
        var ticks = new List<(double Position, string Label)>();
        for (var decade = (int)Math.Floor(low); decade <= (int)Math.Ceiling(high); decade++)
        {
            foreach (var multiple in multiples)
            {
                var position = Math.Log10(multiple) + decade;
                if (position >= low - 1e-9 && position <= high + 1e-9)
                {
                    ticks.Add((position, Number(multiple, decade)));
                }
            }
        }
        axis.SetTicks(ticks.Select(tick => tick.Position).ToArray(), ticks.Select(tick => tick.Label).ToArray());
    }

    /// <summary>multiple x 10^decade as a person writes it: in full from 0.001 to 1000, as 2e-7 beyond.</summary>
    private static string Number(double multiple, int decade) =>
        Math.Abs(decade) <= 3
            ? (multiple * Math.Pow(10, decade)).ToString("0.###", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{multiple}e{decade}");

    /// <summary>
    /// The panels tiled into one mosaic on one colour scale, laid out in rows and columns close to the
    /// picture's shape, a blank line of cells between them (and room for a label above each, when few).
    /// </summary>
    private static Plot HeatMaps(HeatMapChart chart, PlotSize size)
    {
        var panels = chart.Panels;
        var (rows, cols) = (panels.Max(panel => panel.Rows), panels.Max(panel => panel.Cols));
        var labelled = panels.Count <= MostLabelledPanels;
        var gapAbove = labelled ? Math.Max(rows / 5, 1) : 1;
        const int gapBeside = 1;
        var (gridRows, gridCols) = Grid(panels.Count, (double)(cols + gapBeside) / (rows + gapAbove), (double)size.Width / size.Height);
        var height = gridRows * (rows + gapAbove);
        var width = gridCols * (cols + gapBeside) - gapBeside;
        var mosaic = new double[height, width];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                mosaic[y, x] = double.NaN;
            }
        }
        var plot = new Plot();
        for (var index = 0; index < panels.Count; index++)
        {
            var panel = panels[index];
            var top = index / gridCols * (rows + gapAbove) + gapAbove;
            var left = index % gridCols * (cols + gapBeside);
            for (var r = 0; r < panel.Rows; r++)
            {
                for (var c = 0; c < panel.Cols; c++)
                {
                    mosaic[top + r, left + c] = panel.Values[r * panel.Cols + c];
                }
            }
            if (labelled)
            {
                // The heat map's row 0 is drawn at the top, at y = height.
                var label = plot.Add.Text(panel.Label, left + cols / 2.0, height - top + 0.5);
                label.LabelAlignment = Alignment.LowerCenter;
                label.LabelFontSize = 14;
            }
        }
        var heatmap = plot.Add.Heatmap(mosaic);
        // Cell (r, c) covers x from c to c + 1 and, row 0 being the top, y from height - r - 1 to height - r.
        heatmap.CellAlignment = Alignment.LowerLeft;
        heatmap.NaNCellColor = Colors.Transparent;
        if (chart.Scale == ColourScale.Diverging)
        {
            // Centred on zero, so that white is "no weight" and the two colours are comparable.
            var largest = panels.SelectMany(panel => panel.Values).Select(Math.Abs).Where(double.IsFinite).DefaultIfEmpty(0).Max();
            heatmap.Colormap = new ScottPlot.Colormaps.Balance();
            heatmap.ManualRange = new ScottPlot.Range(-Math.Max(largest, double.Epsilon), Math.Max(largest, double.Epsilon));
        }
        else
        {
            heatmap.Colormap = new ScottPlot.Colormaps.GrayscaleReversed();
            heatmap.ManualRange = new ScottPlot.Range(0, 1);
        }
        // The scale's meaning is in the title: ScottPlot sets a colour bar's label over its tick labels.
        plot.Add.ColorBar(heatmap);
        plot.Title(chart.Title);
        plot.Axes.SquareUnits();
        plot.Axes.Frameless();
        plot.Axes.Title.IsVisible = true;
        plot.HideGrid();
        return plot;
    }

    /// <summary>Rows and columns of panels whose mosaic is nearest in shape to the picture.</summary>
    private static (int Rows, int Cols) Grid(int panels, double panelAspect, double pictureAspect)
    {
        var best = (Rows: panels, Cols: 1);
        var bestMismatch = double.MaxValue;
        for (var cols = 1; cols <= panels; cols++)
        {
            var rows = (panels + cols - 1) / cols;
            var mismatch = Math.Abs(Math.Log(cols * panelAspect / rows / pictureAspect));
            if (mismatch < bestMismatch)
            {
                (best, bestMismatch) = ((rows, cols), mismatch);
            }
        }
        return best;
    }
}
