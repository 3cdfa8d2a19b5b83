using System.Globalization;
using Descent.Engine.Files;
using Descent.Engine.Lesson;
using Descent.Host.Plots;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// Prints a lesson part's items as they arrive, indented under its heading, and draws its pictures into
/// the picture folder. Only presentation: what to say comes from the engine's items.
/// </summary>
public sealed class LessonPrinter(IAnsiConsole console, string pictureFolder, PlotSize size)
{
    private const string Indent = "   ";

    /// <summary>Width of a figure's description, so that Descent's and the book's numbers line up.</summary>
    private const int FigureWidth = 50;

    public void Print(LessonItem item)
    {
        switch (item)
        {
            case LessonNote note:
                console.WriteLine(Indent + note.Text);
                break;
            case LessonFigure figure:
                console.WriteLine(Indent + Format(figure));
                break;
            case LessonTable header:
                console.WriteLine(Indent + Line(header, header.LabelHeader ?? "", header.Columns.Select(column => column.Name)));
                break;
            case LessonRow row:
                console.WriteLine(Indent + Line(row.Table, row.Label ?? "",
                    row.Values.Select((value, index) => Number(value, row.Table.Columns[index].Format))));
                break;
            case LessonSeries series:
                console.WriteLine($"{Indent}{series.What}: {string.Join(' ', series.Values.Select(value => Number(value, series.Format)))}");
                break;
            case LessonPicture picture:
                var path = Path.Combine(pictureFolder, picture.FileName);
                AtomicFile.WriteAllBytes(path, ChartRenderer.Png(picture.Chart, size));
                console.WriteLine($"{Indent}picture: {path} ({picture.Description})");
                break;
            default:
                throw new ArgumentException($"no way to print a {item.GetType().Name}", nameof(item));
        }
    }

    /// <summary>"what   value   book b   +d   verdict": the book's figure and the difference wherever the book gives one.</summary>
    private static string Format(LessonFigure figure)
    {
        var text = $"{figure.What.PadRight(FigureWidth)} {Number(figure.Value, "F4")}";
        var book = figure switch
        {
            { Book: { } low, BookHigh: { } high } => $"book {Number(low, "0.###")}-{Number(high, "0.###")}",
            { Book: { } value } => $"book {Number(value, "F4")}   {Number(figure.Difference!.Value, "+0.0000;-0.0000")}",
            _ => "",
        };
        var verdict = figure.Judgement switch
        {
            Judgement.Reproduced => $"reproduced (within {LessonFigure.ReproducedWithin:0.##})",
            Judgement.NotReproduced =>
                $"not reproduced: more than {LessonFigure.ReproducedWithin:0.##} {(figure.Difference > 0 ? "above" : "below")} the book's",
            Judgement.DependsOnRandomStart => "depends on the random start: shown, not judged",
            Judgement.InRange => "within the book's range",
            Judgement.OutOfRange => "outside the book's range",
            Judgement.NotTheBooksData => "not the book's data: compared, not judged",
            _ => "Descent's own (the book gives no figure)",
        };
        return book.Length == 0 ? $"{text}   {verdict}" : $"{text}   {book}   {verdict}";
    }

    private static string Line(LessonTable header, string label, IEnumerable<string> cells)
    {
        var labelWidth = header.LabelHeader is null
            ? 0
            : Math.Max(header.LabelHeader.Length, (header.Labels ?? []).Select(name => name.Length).DefaultIfEmpty(0).Max());
        var columns = cells.Select((cell, index) => cell.PadLeft(Math.Max(header.Columns[index].Name.Length, 8)));
        var numbers = string.Join("  ", columns);
        return labelWidth == 0 ? numbers : $"{label.PadRight(labelWidth)}  {numbers}";
    }

    private static string Number(double value, string format) =>
        double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);
}
