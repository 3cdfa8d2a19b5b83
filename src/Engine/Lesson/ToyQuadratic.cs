using Descent.Engine.Layers;

namespace Descent.Engine.Lesson;

/// <summary>
/// One of the seven steps' rounds on the toy problem: the parameters it started from, the prediction
/// f(t) = a t^2 + b t + c at every time, the loss, the gradient and the parameters after the update.
/// </summary>
public sealed record QuadraticStep(int Step, IReadOnlyList<double> Parameters, IReadOnlyList<double> Predictions, double Loss,
    IReadOnlyList<double> Gradient, IReadOnlyList<double> Updated);

/// <summary>
/// The chapter's toy problem for the seven SGD steps: the speed of a roller coaster over 20 seconds,
/// speed = 0.75 (t - 9.5)^2 + 1 plus N(0, 3) noise, fitted by a quadratic a t^2 + b t + c from random
/// N(0, 1) parameters with the mean squared error, lr 1e-5, 10 steps. Three numbers and twenty points:
/// it runs on the host in double precision, with the gradient written out by hand.
/// </summary>
public static class ToyQuadratic
{
    public const int Times = 20;
    public const double LearningRate = 1e-5;
    public const int Steps = 10;

    /// <summary>The times 0..19 and the noisy speeds the chapter makes up.</summary>
    public static (double[] Time, double[] Speed) Data(Random random)
    {
        var time = Enumerable.Range(0, Times).Select(t => (double)t).ToArray();
        // N(0, 1) draws from the generator the from-scratch model's weights start from.
        var noise = LinearInit.StandardNormal.Weights(Times, 1, random);
        var speed = time.Select((t, i) => noise[i] * 3 + 0.75 * (t - 9.5) * (t - 9.5) + 1).ToArray();
        return (time, speed);
    }

    /// <summary>f(t) = a t^2 + b t + c at each time.</summary>
    public static double[] Predict(IReadOnlyList<double> parameters, IReadOnlyList<double> time) =>
        time.Select(t => parameters[0] * t * t + parameters[1] * t + parameters[2]).ToArray();

    /// <summary>The mean squared error.</summary>
    public static double Loss(IReadOnlyList<double> predictions, IReadOnlyList<double> targets) =>
        predictions.Select((p, i) => (p - targets[i]) * (p - targets[i])).Average();

    /// <summary>d loss / d (a, b, c) = mean of 2 (f(t) - speed) times (t^2, t, 1).</summary>
    public static double[] Gradient(IReadOnlyList<double> predictions, IReadOnlyList<double> targets, IReadOnlyList<double> time)
    {
        var gradient = new double[3];
        for (var i = 0; i < time.Count; i++)
        {
            var error = 2 * (predictions[i] - targets[i]) / time.Count;
            gradient[0] += error * time[i] * time[i];
            gradient[1] += error * time[i];
            gradient[2] += error;
        }
        return gradient;
    }

    /// <summary>Step 1 (init) from <paramref name="random"/>, then <paramref name="steps"/> rounds of steps 2 to 5.</summary>
    public static IReadOnlyList<QuadraticStep> Descend(double[] time, double[] speed, Random random, double learningRate = LearningRate,
        int steps = Steps)
    {
        var parameters = LinearInit.StandardNormal.Weights(3, 1, random).Select(w => (double)w).ToArray();
        var rounds = new List<QuadraticStep>(steps);
        for (var step = 1; step <= steps; step++)
        {
            var predictions = Predict(parameters, time);
            var loss = Loss(predictions, speed);
            var gradient = Gradient(predictions, speed, time);
            var updated = parameters.Select((p, i) => p - learningRate * gradient[i]).ToArray();
            rounds.Add(new QuadraticStep(step, parameters, predictions, loss, gradient, updated));
            parameters = updated;
        }
        return rounds;
    }
}
