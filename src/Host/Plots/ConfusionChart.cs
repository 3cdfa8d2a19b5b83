using System.Globalization;
using Descent.Engine.Training;
using ScottPlot;

namespace Descent.Host.Plots;

/// <summary>
/// A confusion matrix as a picture: a cell per (true class, predicted class) holding its count, coloured
/// by the share of the true class it holds (the colour bar's 0 to 1), so that the diagonal reads as each
/// class's accuracy.
/// </summary>
public static class ConfusionChart
{
    public static byte[] Png(ConfusionMatrix confusion, IReadOnlyList<string> classNames, string title, PlotSize size)
    {
        var classes = confusion.Classes;
        var shares = new double[classes, classes];
        for (var actual = 0; actual < classes; actual++)
        {
            var seen = Enumerable.Range(0, classes).Sum(predicted => confusion[actual, predicted]);
            for (var predicted = 0; predicted < classes; predicted++)
            {
                shares[actual, predicted] = seen == 0 ? 0 : (double)confusion[actual, predicted] / seen;
            }
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(shares);
        // Cell (r, c) covers x from c to c + 1 and, row 0 being the top, y from classes - r - 1 to classes - r.
        heatmap.CellAlignment = Alignment.LowerLeft;
        // ScottPlot's Blues runs from dark to white: reversed, an empty cell is white and a full one dark.
        heatmap.Colormap = new ScottPlot.Colormaps.Reversed(new ScottPlot.Colormaps.Blues());
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(heatmap);
        for (var actual = 0; actual < classes; actual++)
        {
            for (var predicted = 0; predicted < classes; predicted++)
            {
                // Row 0 is drawn at the top; a cell's centre is half a cell in from its corner.
                var count = plot.Add.Text(confusion[actual, predicted].ToString(CultureInfo.InvariantCulture), predicted + 0.5, classes - actual - 0.5);
                count.LabelAlignment = Alignment.MiddleCenter;
                count.LabelFontSize = classes > 12 ? 9 : 13;
                count.LabelFontColor = shares[actual, predicted] > 0.5 ? Colors.White : Colors.Black;
            }
        }
        var positions = Enumerable.Range(0, classes).Select(i => i + 0.5).ToArray();
        plot.Axes.Bottom.SetTicks(positions, classNames.ToArray());
        plot.Axes.Left.SetTicks(positions.Reverse().ToArray(), classNames.ToArray());
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.Title(title);
        plot.Axes.SquareUnits();
        plot.HideGrid();
        return ChartRenderer.Png(plot, size);
    }
}
