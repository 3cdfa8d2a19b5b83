using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Kernels;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// --decay-scope weights: the weight decay spares every parameter of one dimension (biases, batch-norm weights and biases).
/// SGD on a ResNet's parameter store, cut into runs that are decayed alike (views of the store), on every backend, against
/// plain loops of PyTorch's formula per parameter; AdamW and Adadelta against the same optimizer updating each parameter alone with its own decay; and the
/// optimizer's state stays one buffer for the store whatever the cut.
/// </summary>
public sealed class DecayScopeTests
{
    private const float LearningRate = 0.05f;
    private const float Momentum = 0.9f;
    private const float WeightDecay = 0.01f;
    private const int Steps = 3;

    /// <summary>A small ResNet: conv kernels and fc's matrix (decayed) alternate with batch-norm vectors and fc's bias (spared).</summary>
    private static ModelSpec Model() => ModelSpec.Resnet(new FeatureShape(1, 4, 4), 3, 8);

    public static TheoryData<string> AllBackends() => [Backends.ReferenceName, Backends.CpuName, Backends.IlgpuCpuName, Backends.VulkanName];

    [SkippableTheory]
    [MemberData(nameof(AllBackends))]
    public void Sgd_with_nesterov_momentum_decays_only_the_weights_as_plain_loops_of_pytorchs_formula_do(string backendName)
    {
        Vulkan.VulkanAvailability.SkipUnlessAvailable(backendName);
        using var backend = backendName == Backends.VulkanName ? Vulkan.VulkanAvailability.CreateValidated() : Backends.Create(backendName);
        using var model = Model().Build(backend, 5);
        using var sgd = new Sgd(backend, model.Parameters, Momentum, WeightDecay, nesterov: true, DecayScope.Weights);
        var values = model.Parameters.Select(p => Read(backend, p.Value).Select(v => (double)v).ToArray()).ToArray();
        var velocities = model.Parameters.Select(p => new double[p.Count]).ToArray();
        var random = new Random(11);

        for (var step = 0; step < Steps; step++)
        {
            for (var i = 0; i < model.Parameters.Count; i++)
            {
                var parameter = model.Parameters[i];
                var gradient = Enumerable.Range(0, parameter.Count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                backend.Upload<float>(parameter.Gradient, gradient);
                // torch.optim.SGD, dampening 0: g += wd * p (weights only here); v = mu * v + g; p -= lr * (g + mu * v).
                var decay = parameter.Shape.Count >= 2 ? WeightDecay : 0.0;
                for (var k = 0; k < parameter.Count; k++)
                {
                    var g = gradient[k] + decay * values[i][k];
                    velocities[i][k] = Momentum * velocities[i][k] + g;
                    values[i][k] -= LearningRate * (g + Momentum * velocities[i][k]);
                }
            }
            sgd.Step(LearningRate);
        }

        for (var i = 0; i < model.Parameters.Count; i++)
        {
            var actual = Read(backend, model.Parameters[i].Value);
            var scale = values[i].Max(Math.Abs);
            var largest = values[i].Zip(actual, (expected, got) => Math.Abs(expected - got)).Max();
            Assert.True(largest <= 1e-5 * Math.Max(scale, 1), $"{model.Parameters[i].Name} differs from the plain loops by {largest:E2}");
        }
        // The biases and batch-norm vectors were not decayed: with decay they would differ by lr * wd * p per step, which a 1-D
        // parameter started at 1 (a batch-norm weight) shows well above the tolerance.
        Assert.Contains(model.Parameters, p => p.Shape.Count == 1 && p.Name.EndsWith("bn1.weight", StringComparison.Ordinal));
        var velocity = Assert.Single(sgd.ExportState());
        Assert.Equal(("momentum_buffer.0", model.Store!.Length), (velocity.Name, velocity.Values.Length));
    }

    [Theory]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Adadelta)]
    [InlineData(OptimizerKind.Sgd)]
    public void Every_optimizer_on_the_store_matches_itself_on_each_parameter_alone_with_that_parameters_decay(OptimizerKind kind)
    {
        using var backend = new ReferenceBackend();
        using var model = Model().Build(backend, 5);
        var alone = model.Parameters.Select(p => new Parameter(backend, p.Name, Read(backend, p.Value), p.Shape)).ToArray();
        using var stored = OptimizerFactory.Create(kind, backend, model.Parameters, Momentum, WeightDecay, nesterov: false, DecayScope.Weights);
        using var single = OptimizerFactory.Create(kind, backend, alone, Momentum, WeightDecay, nesterov: false, DecayScope.Weights);
        var random = new Random(12);

        for (var step = 0; step < Steps; step++)
        {
            for (var i = 0; i < alone.Length; i++)
            {
                var gradient = Enumerable.Range(0, alone[i].Count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                backend.Upload<float>(model.Parameters[i].Gradient, gradient);
                backend.Upload<float>(alone[i].Gradient, gradient);
            }
            stored.Step(LearningRate);
            single.Step(LearningRate);
        }

        for (var i = 0; i < alone.Length; i++)
        {
            Assert.Equal(Read(backend, alone[i].Value), Read(backend, model.Parameters[i].Value));
        }
        foreach (var parameter in alone)
        {
            parameter.Dispose();
        }
    }

    [Fact]
    public void Scope_all_decays_every_parameter_and_weights_spares_the_one_dimensional_ones()
    {
        using var backend = new ReferenceBackend();
        using var model = Model().Build(backend, 5);
        using var all = new Sgd(backend, model.Parameters, weightDecay: WeightDecay);
        using var weights = new Sgd(backend, model.Parameters, weightDecay: WeightDecay, decayScope: DecayScope.Weights);

        Assert.All(model.Parameters, p => Assert.True(all.Decays(p)));
        Assert.Equal(model.Parameters.Select(p => p.Name.EndsWith(".weight", StringComparison.Ordinal) && !p.Name.Contains("bn")
                && !p.Name.Contains("downsample.1")),
            model.Parameters.Select(weights.Decays));
    }

    private static float[] Read(ComputeBackend backend, DeviceBuffer<float> buffer)
    {
        var values = new float[buffer.Length];
        backend.Download(buffer, values);
        return values;
    }
}
