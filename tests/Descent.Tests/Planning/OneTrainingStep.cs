using Descent.Engine.Data;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Tests.Planning;

/// <summary>
/// One training step of a model on <paramref name="backend"/> (a recording backend that may run nothing): an epoch of one
/// batch of blank images, SGD with momentum, so every op of a real step is called once with the real shapes.
/// </summary>
public static class OneTrainingStep
{
    public static void Run(ComputeBackend backend, ModelSpec model, int batch)
    {
        var input = model.Graph.Input;
        var data = new ImageDataset(new byte[batch * input.Features], Enumerable.Range(0, batch).Select(i => i % 10).ToArray(),
            input.Channels, input.Height, input.Width, 10);
        var spec = new TrainingSpec("random", [input.Channels, input.Height, input.Width], model, LossFunction.CrossEntropy.Name,
            new OptimizerSettings(OptimizerKind.Sgd, 0.9f, 0f), new ScheduleSettings(ScheduleKind.Constant, 0.05f, 1, 1f, 1), batch, Seed: 1);
        using var run = new TrainingRun(backend, spec, data, data);
        run.Learner.TrainEpoch();
    }
}
