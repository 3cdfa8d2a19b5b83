using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Vulkan;

namespace Descent.Tests.Vulkan;

/// <summary>
/// A small model learning seeded random data on a Vulkan backend through the engine's <see cref="Learner"/>:
/// 512 items of 64 features and 10 classes, batches of 32, so an epoch is 16 steps of about 20 commands.
/// </summary>
internal sealed class VulkanTraining : IDisposable
{
    private const int Items = 512;
    private const int Features = 64;
    private const int Classes = 10;

    private readonly Sequential model;
    private readonly Sgd optimizer;
    private readonly DeviceDataset train;
    private readonly DeviceDataset valid;

    public VulkanTraining(VulkanBackend backend)
    {
        Backend = backend;
        var random = new Random(3);
        var pixels = new byte[Items * Features];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, Items).Select(_ => random.Next(Classes)).ToArray();
        model = new ModelSpec([Features, 16, Classes], Activation.Relu, LinearInit.PyTorchDefault).Build(backend, seed: 1);
        optimizer = new Sgd(backend, model.Parameters, momentum: 0.9f, weightDecay: 1e-4f);
        train = new DeviceDataset(backend, pixels, labels, Features, Classes);
        valid = new DeviceDataset(backend, pixels, labels, Features, Classes);
        Learner = new Learner(backend, model, LossFunction.Parse("cross-entropy"), optimizer, LearningRateSchedule.Cosine(0.1f, 10),
            train, valid, batchSize: 32, seed: 5);
    }

    public VulkanBackend Backend { get; }

    public Learner Learner { get; }

    /// <summary>Every parameter's values, downloaded, in the model's order.</summary>
    public float[] Parameters()
    {
        var values = new List<float>();
        foreach (var parameter in model.Parameters)
        {
            var host = new float[parameter.Count];
            Backend.Download<float>(parameter.Value, host);
            values.AddRange(host);
        }
        return [.. values];
    }

    public void Dispose()
    {
        Learner.Dispose();
        train.Dispose();
        valid.Dispose();
        optimizer.Dispose();
        model.Dispose();
        Backend.Dispose();
    }
}
