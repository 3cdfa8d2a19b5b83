using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Kernels;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>The optimizers' own rules, which the backend interface no longer knows: AdamW's hyper-parameters and bias correction.</summary>
public sealed class OptimizerTests
{
    [Theory]
    [InlineData(1f, 0.999f, 1e-8f)]
    [InlineData(0.9f, 1f, 1e-8f)]
    [InlineData(0.9f, 0.999f, 0f)]
    [InlineData(-0.1f, 0.999f, 1e-8f)]
    public void AdamW_rejects_settings_that_divide_by_zero(float beta1, float beta2, float epsilon)
    {
        using var backend = new ReferenceBackend();
        var layer = new Linear(backend, 2, 2, LinearInit.PyTorchDefault, new Random(1));

        var error = Assert.Throws<InvalidInputException>(() => new AdamW(backend, layer.Parameters, 0f, beta1, beta2, epsilon));
        Assert.Contains("AdamW needs betas in [0, 1)", error.Message);
    }

    [Fact]
    public void AdamW_rejects_a_non_finite_learning_rate()
    {
        using var backend = new ReferenceBackend();
        var layer = new Linear(backend, 2, 2, LinearInit.PyTorchDefault, new Random(1));
        using var adamW = new AdamW(backend, layer.Parameters);

        Assert.Throws<InvalidInputException>(() => adamW.Step(float.NaN));
    }

    /// <summary>
    /// After step t the bias corrections are 1 - beta^t, which the optimizer now computes: on a
    /// constant gradient g the first two steps each move a parameter by about lr * sign(g).
    /// </summary>
    [Fact]
    public void AdamW_corrects_the_moments_for_their_zero_start_at_every_step()
    {
        using var backend = new ReferenceBackend();
        var layer = new Linear(backend, 1, 1, LinearInit.PyTorchDefault, new Random(1));
        var weight = layer.Parameters[0];
        backend.Upload<float>(weight.Value, [1f]);
        backend.Upload<float>(weight.Gradient, [0.5f]);
        using var adamW = new AdamW(backend, [weight], weightDecay: 0f, epsilon: 1e-12f);

        var values = new float[1];
        adamW.Step(0.1f);
        backend.Download(weight.Value, values);
        Assert.Equal(0.9f, values[0], 5);
        adamW.Step(0.1f);
        backend.Download(weight.Value, values);
        Assert.Equal(0.8f, values[0], 5);
    }

    [Fact]
    public void A_model_starts_its_parameters_in_one_store_as_their_declarations_draw_them()
    {
        using var backend = new ReferenceBackend();
        var spec = TwoLayers();
        var random = new Random(2);
        var drawn = spec.Graph.Tensors.Select(entry => entry.Tensor.Initial(random)).ToList();

        using var model = spec.Build(backend, 2);

        var store = Assert.IsType<ParameterStore>(model.Store);
        Assert.Same(store, ParameterStore.Holding(model.Parameters));
        Assert.All(model.Parameters, p => Assert.Same(store.Values, p.Value.Root));
        Assert.All(model.Parameters, p => Assert.Equal(0, p.Value.Offset % backend.ViewAlignment));
        Assert.Equal(drawn, model.Parameters.Select(p => Read(backend, p.Value)));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], model.Parameters.Select(p => p.Name));
        Assert.Null(ParameterStore.Holding(model.Parameters.Take(2).ToList()));
    }

    [Fact]
    public void One_update_launch_covers_every_parameter_of_a_model_for_sgd_and_adamw()
    {
        using var backend = new CountingUpdates();
        using var model = TwoLayers().Build(backend, 2);
        using var sgd = new Sgd(backend, model.Parameters, momentum: 0.9f);
        using var adamW = new AdamW(backend, model.Parameters);

        sgd.Step(0.1f);
        adamW.Step(0.1f);

        Assert.Equal(1, backend.SgdUpdates);
        Assert.Equal(1, backend.AdamWUpdates);
    }

    private static ModelSpec TwoLayers() => new(5,
        [new LinearLayerSpec(3, LinearInit.PyTorchDefault), new ActivationLayerSpec(Activation.Relu), new LinearLayerSpec(2, LinearInit.PyTorchDefault)]);

    private static float[] Read(ComputeBackend backend, DeviceBuffer<float> buffer)
    {
        var values = new float[buffer.Length];
        backend.Download(buffer, values);
        return values;
    }

    private sealed class CountingUpdates : ReferenceBackend
    {
        public int SgdUpdates { get; private set; }

        public int AdamWUpdates { get; private set; }

        protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
            int count, float learningRate, float momentum, float weightDecay, bool nesterov)
        {
            SgdUpdates++;
            base.SgdUpdateCore(parameters, gradients, velocity, count, learningRate, momentum, weightDecay, nesterov);
        }

        protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
            DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step)
        {
            AdamWUpdates++;
            base.AdamWUpdateCore(parameters, gradients, firstMoment, secondMoment, count, step);
        }
    }
}
