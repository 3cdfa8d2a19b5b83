using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Xunit;

namespace Descent.Tests.Lesson;

/// <summary>Linear layers with nothing between them, which the nonlinearity experiment trains: built, named and recorded as such.</summary>
public sealed class NoActivationTests
{
    [Fact]
    public void A_model_without_an_activation_has_none_between_its_layers_and_its_spec_says_none()
    {
        var model = new ModelSpec([784, 32, 10], null, LinearInit.PyTorchDefault);
        using var backend = new CpuBackend();
        using var built = model.Build(backend, seed: 1);
        var spec = new TrainingSpec("mnist", [1, 28, 28], model, "cross-entropy", new OptimizerSettings(OptimizerKind.Sgd, 0f, 0f),
            new ScheduleSettings(ScheduleKind.Constant, 0.1f, 1, 1f, 1), 64, 1);

        var read = TrainingSpec.FromJson(spec.ToJson());

        Assert.All(built.Layers, layer => Assert.Null(Assert.IsType<Linear>(layer).Activation));
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], ModelWeights.Export(backend, built).Select(tensor => tensor.Name));
        Assert.Equal("none", spec.ToJson()["model"]!["activation"]!.GetValue<string>());
        Assert.Null(read.Model.Activation);
        Assert.Equal(Activation.Relu, TrainingSpec.FromJson((spec with { Model = model with { Activation = Activation.Relu } }).ToJson()).Model.Activation);
    }
}
