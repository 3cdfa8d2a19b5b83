using System.CommandLine;
using Descent.Engine.Charts;
using Descent.Engine.Files;
using Descent.Engine.Training;

namespace Descent.Host.Plots;

/// <summary>
/// `descent train --plot FILE.png`: the run's loss and accuracy per epoch, redrawn and replaced whole
/// after every epoch, so that the picture can be watched while a run goes on.
/// </summary>
public sealed class TrainingPlot(string path, PlotSize size)
{
    public string Path { get; } = path;

    /// <param name="evaluatedOn">"valid" or "test", as the epoch table names the evaluation.</param>
    public void Draw(string title, IReadOnlyList<EpochRecord> epochs, string evaluatedOn) =>
        AtomicFile.WriteAllBytes(Path, ChartRenderer.Png(TrainingCurves.From(title, epochs, evaluatedOn), size));
}

/// <summary>`descent train`'s --plot and --size.</summary>
public sealed class TrainingPlotOptions
{
    private readonly Option<string?> plot = new("--plot")
    {
        Description = "Draw train and evaluation loss and accuracy per epoch into this PNG, redrawn after every epoch",
    };
    private readonly PlotOptions plotOptions = new();

    public void AddTo(Command command)
    {
        command.Options.Add(plot);
        command.Options.Add(plotOptions.Size);
    }

    /// <summary>The plot asked for, or null without --plot.</summary>
    public TrainingPlot? Read(ParseResult parsed) =>
        parsed.GetValue(plot) is { } path ? new TrainingPlot(path, plotOptions.ReadSize(parsed)) : null;
}
