using System.Globalization;
using Descent.Engine.Charts;

namespace Descent.Engine.Lesson;

/// <summary>
/// Step 2: the seven steps of SGD (init, predict, loss, gradient, step, repeat, stop) on the chapter's
/// toy quadratic, one round at a time, at the chapter's lr 1e-5 for 10 steps.
/// </summary>
public sealed class SevenStepsStep : LessonPart
{
    public override string Name => "seven-steps";

    public override string Title => "The seven SGD steps on a toy quadratic";

    public override IEnumerable<LessonItem> Run(LessonContext context)
    {
        var random = new Random(context.Seed);
        var (time, speed) = ToyQuadratic.Data(random);
        var rounds = ToyQuadratic.Descend(time, speed, random);
        yield return new LessonNote($"ten scalar steps on {ToyQuadratic.Times} points: run in the engine on the host in double precision, " +
            $"not on {context.Backend.Name} (a launch would cost more than the arithmetic)");
        yield return new LessonNote("the data: speed = 0.75 (t - 9.5)^2 + 1 + N(0, 3) noise at t = 0..19; the model: f(t) = a t^2 + b t + c; " +
            "the loss: mean squared error");
        var start = rounds[0].Parameters;
        yield return new LessonNote($"1 init: a, b, c drawn from N(0, 1) (seed {context.Seed}): {Triple(start)}");
        yield return new LessonNote($"2 predict f(t) at the 20 times, 3 loss, 4 gradient d loss / d (a, b, c), " +
            $"5 step: (a, b, c) -= {Rate} x gradient; 6 repeat; 7 stop after {ToyQuadratic.Steps} steps");
        var table = new LessonTable(
        [
            new("step", "F0"), new("f(0)", "F2"), new("f(19)", "F2"), new("loss", "F2"),
            new("grad a", "F1"), new("grad b", "F2"), new("grad c", "F3"),
            new("new a", "F4"), new("new b", "F4"), new("new c", "F4"),
        ]);
        yield return table;
        foreach (var round in rounds)
        {
            yield return new LessonRow(table, null,
            [
                round.Step, round.Predictions[0], round.Predictions[^1], round.Loss,
                round.Gradient[0], round.Gradient[1], round.Gradient[2], round.Updated[0], round.Updated[1], round.Updated[2],
            ]);
        }
        var final = ToyQuadratic.Loss(ToyQuadratic.Predict(rounds[^1].Updated, time), speed);
        var fall = string.Create(CultureInfo.InvariantCulture, $"the loss fell from {rounds[0].Loss:F2} to {final:F2}");
        yield return new LessonNote($"{fall}: a carries the most weight (its gradient is largest, t^2 reaches 361), " +
            "so the curvature is found first and b and c barely move at this rate; the book's losses follow its own random start");
        yield return new LessonPicture("2-seven-steps.png", "the data and the quadratic after each step, moving towards it", Chart(time, speed, rounds));
    }

    private static LineChart Chart(double[] time, double[] speed, IReadOnlyList<QuadraticStep> rounds)
    {
        var series = new List<ChartSeries> { new("speed (data)", time, speed, SeriesStyle.Markers) };
        series.Add(new ChartSeries("start", time, rounds[0].Predictions));
        series.AddRange(rounds.Select(round => new ChartSeries($"after step {round.Step}", time, ToyQuadratic.Predict(round.Updated, time))));
        return new LineChart($"Step 2: f(t) = a t^2 + b t + c after each SGD step (lr {Rate})", "time t", "speed",
            series);
    }

    /// <summary>The rate as the chapter writes it: 1e-5.</summary>
    private static string Rate => ToyQuadratic.LearningRate.ToString("0e0", CultureInfo.InvariantCulture);

    private static string Triple(IReadOnlyList<double> parameters) =>
        string.Create(CultureInfo.InvariantCulture, $"a = {parameters[0]:F4}, b = {parameters[1]:F4}, c = {parameters[2]:F4}");
}
