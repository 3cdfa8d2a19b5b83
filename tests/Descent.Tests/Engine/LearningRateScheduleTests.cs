using Descent.Engine.Optimizers;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>Each schedule's rate for a step, against PyTorch's formulas worked out by hand.</summary>
public sealed class LearningRateScheduleTests
{
    [Theory]
    [InlineData(ScheduleKind.Constant)]
    [InlineData(ScheduleKind.Step)]
    [InlineData(ScheduleKind.Cosine)]
    public void An_epoch_schedule_gives_every_step_of_an_epoch_the_rate_it_gave_that_epoch(ScheduleKind kind)
    {
        var schedule = LearningRateSchedule.Create(kind, 0.1f, stepSize: 1, gamma: 0.5f, epochs: 4);
        const int stepsPerEpoch = 7;

        for (var epoch = 0; epoch < 4; epoch++)
        {
            var first = schedule.RateForStep((long)epoch * stepsPerEpoch, stepsPerEpoch);
            for (var step = 1; step < stepsPerEpoch; step++)
            {
                Assert.Equal(first, schedule.RateForStep((long)epoch * stepsPerEpoch + step, stepsPerEpoch));
            }
        }
        // Epoch 1: constant 0.1; step 0.1 x 0.5; cosine 0.1 x (1 + cos(pi / 4)) / 2.
        var expected = kind switch
        {
            ScheduleKind.Constant => 0.1,
            ScheduleKind.Step => 0.05,
            _ => 0.1 * (1 + Math.Cos(Math.PI / 4)) / 2,
        };
        Assert.Equal(expected, schedule.RateForStep(stepsPerEpoch, stepsPerEpoch), 6);
    }

    [Fact]
    public void One_cycle_follows_pytorchs_one_cycle_lr_step_by_step()
    {
        // OneCycleLR(max_lr=0.1, epochs=2, steps_per_epoch=5): total 10 steps, initial 0.1 / 25 = 0.004,
        // final 0.004 / 1e4 = 4e-7. Warm-up ends at step 0.3 * 10 - 1 = 2, so step s < 2 is
        // 0.1 + (0.004 - 0.1) / 2 (cos(pi s / 2) + 1); after it, 4e-7 + (0.1 - 4e-7) / 2 (cos(pi (s - 2) / 7) + 1).
        var schedule = LearningRateSchedule.Create(ScheduleKind.OneCycle, 0.1f, stepSize: 1, gamma: 1f, epochs: 2);
        double[] expected =
        [
            0.004,                 // cos 0 = 1: the initial rate
            0.052,                 // cos(pi / 2) = 0: half-way, (0.004 + 0.1) / 2
            0.1,                   // the top
            4e-7 + (0.1 - 4e-7) / 2 * (Math.Cos(Math.PI / 7) + 1),
            4e-7 + (0.1 - 4e-7) / 2 * (Math.Cos(2 * Math.PI / 7) + 1),
            0.06112620219362893,   // 4e-7 + (0.1 - 4e-7) / 2 (cos(3 pi / 7) + 1)
            0.03887419780637107,   // 4e-7 + (0.1 - 4e-7) / 2 (cos(4 pi / 7) + 1)
            4e-7 + (0.1 - 4e-7) / 2 * (Math.Cos(5 * Math.PI / 7) + 1),
            4e-7 + (0.1 - 4e-7) / 2 * (Math.Cos(6 * Math.PI / 7) + 1),
            4e-7,                  // the last step: the final rate
        ];

        for (var step = 0; step < expected.Length; step++)
        {
            var rate = schedule.RateForStep(step, stepsPerEpoch: 5);
            Assert.True(Math.Abs(rate - expected[step]) <= 1e-6 * expected[step], $"step {step}: {rate}, PyTorch {expected[step]}");
        }
        Assert.Equal("one-cycle", schedule.Name);
    }
}
