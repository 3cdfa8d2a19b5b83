using Descent.Engine.Charts;

namespace Descent.Engine.Lesson;

/// <summary>
/// One thing a lesson step reports, in the order it reports it: the host prints each as it arrives, so a
/// long step shows its epochs as they finish.
/// </summary>
public abstract record LessonItem;

/// <summary>A sentence of context: what is run and how, or what a result means.</summary>
public sealed record LessonNote(string Text) : LessonItem;

/// <summary>How a figure stands against the book's.</summary>
public enum Judgement
{
    /// <summary>A final figure in the book's setting, within <see cref="LessonFigure.ReproducedWithin"/> of the book's.</summary>
    Reproduced,

    /// <summary>A final figure in the book's setting, further from the book's than that.</summary>
    NotReproduced,

    /// <summary>A figure that depends on the random start (at initialisation, after one epoch): shown beside the book's, not judged.</summary>
    DependsOnRandomStart,

    /// <summary>Inside the range the book gives.</summary>
    InRange,

    /// <summary>Outside the range the book gives.</summary>
    OutOfRange,

    /// <summary>The data is not the book's (another folder, a subset): compared, not judged.</summary>
    NotTheBooksData,

    /// <summary>The book gives no such figure.</summary>
    NoBookFigure,
}

/// <summary>
/// One of Descent's figures beside the book's: a single value (<paramref name="Book"/>) or a range
/// (<paramref name="Book"/> to <paramref name="BookHigh"/>), and the judgement.
/// </summary>
public sealed record LessonFigure(string What, double Value, double? Book, double? BookHigh, Judgement Judgement) : LessonItem
{
    /// <summary>A final accuracy this close to the book's, in the book's setting, reproduces it (random start and float32 allowed for).</summary>
    public const double ReproducedWithin = 0.01;

    /// <summary>Descent's figure minus the book's, where the book gives one value.</summary>
    public double? Difference => Book is { } book && BookHigh is null ? Value - book : null;

    /// <summary>A figure the book's setting determines (up to the random start and float32): judged.</summary>
    public static LessonFigure Final(string what, double value, double book, bool booksData) =>
        new(what, value, book, null, !booksData ? Judgement.NotTheBooksData
            : Math.Abs(value - book) <= ReproducedWithin ? Judgement.Reproduced : Judgement.NotReproduced);

    /// <summary>A figure that follows from where the random start happened to be: shown, not judged.</summary>
    public static LessonFigure RandomStart(string what, double value, double book) =>
        new(what, value, book, null, Judgement.DependsOnRandomStart);

    /// <summary>A figure the book gives as a range.</summary>
    public static LessonFigure Range(string what, double value, double low, double high, bool booksData) =>
        new(what, value, low, high, !booksData ? Judgement.NotTheBooksData
            : value >= low && value <= high ? Judgement.InRange : Judgement.OutOfRange);

    /// <summary>A figure of Descent's alone.</summary>
    public static LessonFigure Own(string what, double value) => new(what, value, null, null, Judgement.NoBookFigure);
}

/// <summary>A column of a table: its header and the .NET format of its numbers ("F4", "G4", "F0").</summary>
public sealed record LessonColumn(string Name, string Format);

/// <summary>
/// The header of a table whose rows follow as <see cref="LessonRow"/> items, one at a time as each is
/// measured; where rows are named, the names are given up front so that the columns can be laid out at once.
/// </summary>
/// <param name="LabelHeader">The header of a first column of names, or null for a table of numbers only.</param>
/// <param name="Labels">The rows' names, in order (empty without a label column).</param>
public sealed record LessonTable(IReadOnlyList<LessonColumn> Columns, string? LabelHeader = null, IReadOnlyList<string>? Labels = null) : LessonItem;

/// <summary>A row of the table announced last: its label (when the table has a label column) and one value per column.</summary>
public sealed record LessonRow(LessonTable Table, string? Label, IReadOnlyList<double> Values) : LessonItem;

/// <summary>A run of values on one line, as the book prints a validation accuracy per epoch.</summary>
public sealed record LessonSeries(string What, IReadOnlyList<double> Values, string Format) : LessonItem;

/// <summary>A picture to draw: the file name it is saved under, what it shows, and its data.</summary>
public sealed record LessonPicture(string FileName, string Description, Chart Chart) : LessonItem;
