using Descent.Engine.Lesson;
using Xunit;

namespace Descent.Tests.Lesson;

/// <summary>Step 2's toy problem: the hand-written gradient and the ten steps the chapter takes.</summary>
public sealed class ToyQuadraticTests
{
    [Fact]
    public void The_gradient_matches_central_differences_of_the_loss()
    {
        var (time, speed) = ToyQuadratic.Data(new Random(7));
        double[] parameters = [0.3, -1.1, 2.0];
        var gradient = ToyQuadratic.Gradient(ToyQuadratic.Predict(parameters, time), speed, time);

        for (var i = 0; i < parameters.Length; i++)
        {
            const double step = 1e-4;
            var up = (double[])parameters.Clone();
            var down = (double[])parameters.Clone();
            up[i] += step;
            down[i] -= step;
            var numeric = (ToyQuadratic.Loss(ToyQuadratic.Predict(up, time), speed) - ToyQuadratic.Loss(ToyQuadratic.Predict(down, time), speed)) / (2 * step);
            Assert.Equal(numeric, gradient[i], 1e-4 * Math.Max(1, Math.Abs(numeric)));
        }
    }

    [Fact]
    public void Ten_steps_at_the_chapters_rate_each_move_against_the_gradient_and_lower_the_loss()
    {
        var random = new Random(42);
        var (time, speed) = ToyQuadratic.Data(random);

        var rounds = ToyQuadratic.Descend(time, speed, random);

        Assert.Equal(ToyQuadratic.Steps, rounds.Count);
        Assert.All(rounds, round =>
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(round.Parameters[i] - ToyQuadratic.LearningRate * round.Gradient[i], round.Updated[i], 12);
            }
        });
        Assert.All(rounds.Skip(1).Zip(rounds), pair => Assert.Equal(pair.Second.Updated, pair.First.Parameters));
        Assert.All(rounds.Skip(1).Zip(rounds), pair => Assert.True(pair.First.Loss < pair.Second.Loss, "the loss rose"));
    }
}
