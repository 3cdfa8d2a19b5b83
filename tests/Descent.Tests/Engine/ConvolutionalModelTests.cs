using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Tensors;
using Descent.Kernels;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// The convolutional layers wired into a model on the reference backend: every parameter's gradient
/// against central finite differences of the whole model's loss (convolution with padding and stride,
/// fused and separate activations, convolutions without bias, max-pooling, global average pooling, dropout in training,
/// flatten, linear layers); dropout off in
/// evaluation; PyTorch's init bounds; the MNIST example's names; Adadelta against plain loops.
/// </summary>
public sealed class ConvolutionalModelTests
{
    private const int Rows = 2;

    /// <summary>Every kind of layer, small enough for a finite difference per parameter; tanh, so no kink sits near a probe.</summary>
    private const string TinyNet = "2x6x6-conv3k3p1-tanh-maxpool2-dropout0.3-conv4k2-flatten-5-tanh-dropout0.2-3";

    /// <summary>Residual blocks, with the identity and with a strided projection, reading values that two nodes read.</summary>
    private const string TinyResidualNet =
        "2x6x6-conv3k3p1-tanh-res(conv3k3p1-tanh-conv3k3p1)-tanh-res(conv4k3s2p1-tanh-conv4k3p1+conv4k1s2)-tanh-flatten-3";

    /// <summary>Convolutions without bias, one strided, then global average pooling and flatten, as a ResNet ends.</summary>
    private const string TinyPooledNet = "2x6x6-conv3k3p1nb-tanh-conv4k3s2p1nb-tanh-conv4k3p1-tanh-gap-flatten-3";
    /// <summary>
    /// Batch normalisation in training, on images (over N, H, W) and on rows (over N): each loss below is a training
    /// forward, so the batch statistics move with every probe and their derivative is part of what is checked.
    /// </summary>
    private const string TinyNormalisedNet = "2x6x6-conv3k3p1-bn-tanh-conv4k3s2-flatten-5-bn-tanh-3";

    /// <summary>A residual block normalised as torchvision's BasicBlock is, in its body and its projection shortcut.</summary>
    private const string TinyNormalisedResidualNet =
        "2x6x6-conv3k3p1-bn-tanh-res(conv4k3s2p1-bn-tanh-conv4k3p1-bn+conv4k1s2-bn)-tanh-flatten-3";

    [Theory]
    [InlineData(TinyNet)]
    [InlineData(TinyResidualNet)]
    [InlineData(TinyPooledNet)]
    [InlineData(TinyNormalisedNet)]
    [InlineData(TinyNormalisedResidualNet)]
    public void Every_parameter_gradient_matches_finite_differences_of_the_model_loss(string layers)
    {
        using var backend = new ReferenceBackend();
        var spec = ModelSpec.Parse(layers, Activation.Relu, activationGiven: false);
        using var model = spec.Build(backend, seed: 5);
        model.Prepare(Rows);
        var random = new Random(11);
        var x = Enumerable.Range(0, Rows * spec.Inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        // loss = sum of y * r: its gradient with respect to y is r
        var r = Enumerable.Range(0, Rows * spec.Outputs).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        using var input = new Tensor(backend, Rows, spec.Inputs);
        using var outputGradient = new Tensor(backend, Rows, spec.Outputs);
        backend.Upload<float>(input.Buffer, x);
        backend.Upload<float>(outputGradient.Buffer, Array.ConvertAll(r, v => (float)v));
        // A fixed training step: every forward below draws the same dropout masks.
        model.TrainAt(7);

        model.Forward(input, Rows);
        model.Backward(outputGradient, Rows);

        // Small next to the curvature, large enough for float32. A probe may still move a max-pooling window's maximum to
        // another element (two values of a window within about 1e-3 of each other: a few masks or weights in ten give one):
        // the loss has a kink there and the central difference averages its two slopes, but the one-sided difference on the
        // side where no maximum moved is the derivative, so either may match.
        const float Step = 1e-3f;
        var centre = Loss(backend, model, input, r, spec.Outputs);
        var checkedCount = 0;
        foreach (var parameter in model.Parameters)
        {
            var values = Read(backend, parameter.Value, parameter.Count);
            var gradient = Read(backend, parameter.Gradient, parameter.Count);
            for (var i = 0; i < parameter.Count; i++)
            {
                var original = values[i];
                values[i] = original + Step;
                backend.Upload<float>(parameter.Value, values);
                var up = Loss(backend, model, input, r, spec.Outputs);
                values[i] = original - Step;
                backend.Upload<float>(parameter.Value, values);
                var down = Loss(backend, model, input, r, spec.Outputs);
                values[i] = original;
                backend.Upload<float>(parameter.Value, values);
                var numeric = (up - down) / (2 * Step);
                var (right, left) = ((up - centre) / Step, (centre - down) / Step);
                bool Matches(double slope) => Math.Abs(slope - gradient[i]) <= 2e-3 + 2e-2 * Math.Abs(slope);
                Assert.True(Matches(numeric) || Matches(right) || Matches(left),
                    $"{parameter.Name}[{i}]: backward gives {gradient[i]}, finite differences {numeric} (one-sided {left}, {right})");
                checkedCount++;
            }
        }
        Assert.Equal(model.ParameterCount, checkedCount);
    }

    [Fact]
    public void A_normalised_residual_block_names_its_statistics_as_torchvisions_module_tree_does()
    {
        using var backend = new ReferenceBackend();
        var spec = ModelSpec.Parse(TinyNormalisedResidualNet, Activation.Relu, activationGiven: false);
        using var model = spec.Build(backend, seed: 5);

        Assert.Equal(
        [
            "1.running_mean", "1.running_var", "1.num_batches_tracked",
            "3.body.1.running_mean", "3.body.1.running_var", "3.body.1.num_batches_tracked",
            "3.body.4.running_mean", "3.body.4.running_var", "3.body.4.num_batches_tracked",
            "3.shortcut.1.running_mean", "3.shortcut.1.running_var", "3.shortcut.1.num_batches_tracked",
        ], model.State.Select(state => state.Name));
        Assert.Contains("3.shortcut.1.weight", model.Parameters.Select(parameter => parameter.Name));
    }

    [Fact]
    public void Dropout_is_the_identity_in_evaluation_and_masks_by_step_in_training()
    {
        using var backend = new ReferenceBackend();
        var spec = ModelSpec.Parse(TinyNet, Activation.Relu, activationGiven: false);
        var withoutDropout = new ModelSpec(spec.InputShape, spec.Layers.Where(layer => layer is not DropoutLayerSpec).ToArray());
        using var model = spec.Build(backend, seed: 5);
        using var plain = withoutDropout.Build(backend, seed: 5);
        model.Prepare(Rows);
        plain.Prepare(Rows);
        using var input = new Tensor(backend, Rows, spec.Inputs);
        backend.Upload<float>(input.Buffer, Enumerable.Range(0, Rows * spec.Inputs).Select(i => MathF.Sin(i)).ToArray());

        var evaluated = Read(backend, model.Forward(input, Rows).Buffer, Rows * spec.Outputs);
        var expected = Read(backend, plain.Forward(input, Rows).Buffer, Rows * spec.Outputs);
        model.TrainAt(1);
        var stepOne = Read(backend, model.Forward(input, Rows).Buffer, Rows * spec.Outputs);
        model.TrainAt(2);
        var stepTwo = Read(backend, model.Forward(input, Rows).Buffer, Rows * spec.Outputs);
        model.TrainAt(1);
        var stepOneAgain = Read(backend, model.Forward(input, Rows).Buffer, Rows * spec.Outputs);
        model.Evaluate();
        var evaluatedAgain = Read(backend, model.Forward(input, Rows).Buffer, Rows * spec.Outputs);

        Assert.Equal(expected, evaluated);
        Assert.Equal(expected, evaluatedAgain);
        Assert.NotEqual(stepOne, stepTwo);
        Assert.Equal(stepOne, stepOneAgain);
    }

    [Fact]
    public void The_mnist_example_net_has_its_shapes_names_and_pytorch_init_bounds()
    {
        using var backend = new ReferenceBackend();
        var spec = ModelSpec.Cnn(new FeatureShape(1, 28, 28), 10);
        using var model = spec.Build(backend, seed: 1);

        var tensors = ModelWeights.Export(backend, model);

        Assert.Equal(new[] { "26x26", "24x24", "12x12", "9216" },
            new[] { spec.Shapes[1], spec.Shapes[3], spec.Shapes[5], spec.Shapes[7] }.Select(shape => shape.IsFlat ? shape.ToString() : $"{shape.Height}x{shape.Width}"));
        Assert.Equal(new[] { 32, 64, 64 }, new[] { spec.Shapes[1].Channels, spec.Shapes[3].Channels, spec.Shapes[5].Channels });
        Assert.Equal(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"],
            tensors.Select(tensor => tensor.Name));
        Assert.Equal([64, 32, 3, 3], tensors[2].Shape);
        Assert.Equal([128, 9216], tensors[4].Shape);
        Assert.Equal(1_199_882, model.ParameterCount);
        // PyTorch's kaiming_uniform_(a=sqrt(5)) and its bias init both come to +-1/sqrt(fan_in), fan_in = in * kh * kw.
        foreach (var (tensor, fanIn) in tensors.Zip(new[] { 9, 9, 288, 288, 9216, 9216, 128, 128 }))
        {
            var bound = 1 / Math.Sqrt(fanIn);
            Assert.All(tensor.Values, value => Assert.InRange(Math.Abs(value), 0, bound));
            Assert.True(tensor.Values.Max(Math.Abs) > 0.9 * bound, $"{tensor.Name} does not fill its range +-{bound}");
        }
    }

    [Fact]
    public void Adadelta_matches_pytorchs_update_written_as_plain_loops()
    {
        using var backend = new ReferenceBackend();
        using var model = ModelSpec.Parse("3-2", Activation.Relu, false).Build(backend, seed: 3);
        const float Rate = 1.0f, Rho = 0.9f, Epsilon = 1e-6f, Decay = 0.1f;
        using var adadelta = new Adadelta(backend, model.Parameters, Decay, Rho, Epsilon);
        var parameter = model.Parameters[0];
        var values = Read(backend, parameter.Value, parameter.Count).Select(v => (double)v).ToArray();
        var squareAverage = new double[values.Length];
        var deltaAverage = new double[values.Length];

        for (var step = 1; step <= 3; step++)
        {
            var gradient = Enumerable.Range(0, values.Length).Select(i => (float)Math.Cos(i + step)).ToArray();
            foreach (var other in model.Parameters)
            {
                backend.Upload<float>(other.Gradient, ReferenceEquals(other, parameter) ? gradient : new float[other.Count]);
            }
            adadelta.Step(Rate);
            for (var i = 0; i < values.Length; i++)
            {
                var g = gradient[i] + Decay * values[i];
                squareAverage[i] = Rho * squareAverage[i] + (1 - Rho) * g * g;
                var delta = Math.Sqrt(deltaAverage[i] + Epsilon) / Math.Sqrt(squareAverage[i] + Epsilon) * g;
                deltaAverage[i] = Rho * deltaAverage[i] + (1 - Rho) * delta * delta;
                values[i] -= Rate * delta;
            }
        }

        var actual = Read(backend, parameter.Value, parameter.Count);
        Assert.All(values.Zip(actual), pair => Assert.Equal(pair.First, pair.Second, 5));
        Assert.Equal(["square_avg.0", "acc_delta.0"], adadelta.ExportState().Select(tensor => tensor.Name));
        Assert.Equal(3, adadelta.StepsTaken);
    }

    private static double Loss(ComputeBackend backend, Network model, Tensor input, double[] r, int outputs)
    {
        var y = Read(backend, model.Forward(input, Rows).Buffer, Rows * outputs);
        return y.Select((value, i) => value * r[i]).Sum();
    }

    private static float[] Read(ComputeBackend backend, DeviceBuffer<float> buffer, int count)
    {
        var values = new float[count];
        backend.Download(buffer, values);
        return values;
    }
}
