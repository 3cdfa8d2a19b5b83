using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Vulkan;

namespace Descent.Tests.Vulkan;

/// <summary>
/// A small model learning seeded random data on a Vulkan backend through the engine's training run:
/// 512 items of 8 x 8 pixels and 10 classes, batches of 32, so an epoch is 16 steps of about 20 commands.
/// </summary>
internal sealed class VulkanTraining : IDisposable
{
    private const int Items = 512;
    private const int Side = 8;
    private const int Classes = 10;

    private readonly TrainingRun run;

    public VulkanTraining(VulkanBackend backend)
    {
        Backend = backend;
        var random = new Random(3);
        var pixels = new byte[Items * Side * Side];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, Items).Select(_ => random.Next(Classes)).ToArray();
        var data = new ImageDataset(pixels, labels, Side, Side, Classes);
        var spec = new TrainingSpec("random", [1, Side, Side], new ModelSpec([Side * Side, 16, Classes], Activation.Relu, LinearInit.PyTorchDefault),
            LossFunction.CrossEntropy.Name, new OptimizerSettings(OptimizerKind.Sgd, 0.9f, 1e-4f),
            new ScheduleSettings(ScheduleKind.Cosine, 0.1f, 1, 1f, 10), BatchSize: 32, Seed: 5);
        run = new TrainingRun(backend, spec, data, data);
    }

    public VulkanBackend Backend { get; }

    public Learner Learner => run.Learner;

    /// <summary>Every parameter's values, downloaded, in the model's order.</summary>
    public float[] Parameters()
    {
        var values = new List<float>();
        foreach (var parameter in run.Model.Parameters)
        {
            var host = new float[parameter.Count];
            Backend.Download<float>(parameter.Value, host);
            values.AddRange(host);
        }
        return [.. values];
    }

    public void Dispose()
    {
        run.Dispose();
        Backend.Dispose();
    }
}
