using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels.Cpu;
using Xunit;

namespace Descent.Tests.Lesson;

/// <summary>Linear layers with nothing between them, as the nonlinearity experiment trains them: built, named and recorded as such.</summary>
public sealed class NoActivationTests
{
    [Fact]
    public void Two_linear_layers_without_an_activation_build_unfused_and_their_spec_round_trips()
    {
        var init = LinearInit.PyTorchDefault;
        var model = new ModelSpec(784, [new LinearLayerSpec(32, init), new LinearLayerSpec(10, init)]);
        using var backend = new CpuBackend();
        using var built = model.Build(backend, seed: 1);
        var spec = new TrainingSpec("mnist", [1, 28, 28], model, "cross-entropy", new OptimizerSettings(OptimizerKind.Sgd, 0f, 0f),
            new ScheduleSettings(ScheduleKind.Constant, 0.1f, 1, 1f, 1), 64, 1);

        var read = TrainingSpec.FromJson(spec.ToJson());

        Assert.All(built.Layers, layer => Assert.Null(Assert.IsType<Linear>(layer).Activation));
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], ModelWeights.Export(backend, built).Select(tensor => tensor.Name));
        Assert.False(model.HasActivation);
        Assert.Equal("784-32-10", model.LayersText);
        Assert.Equal(model, read.Model);
    }
}
