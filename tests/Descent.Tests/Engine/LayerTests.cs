using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Tensors;
using Descent.Kernels;
using Descent.Kernels.Planning;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// The layers wire the ops the right way round: a Linear - Tanh - Linear stack and residual blocks on the
/// reference backend against the same networks written as plain loops (and finite differences), forward and backward.
/// </summary>
public sealed class LayerTests
{
    private const int Rows = 3;
    private const int Inputs = 5;
    private const int Hidden = 4;
    private const int Outputs = 3;

    [Fact]
    public void Forward_and_backward_match_plain_loops()
    {
        using var backend = new ReferenceBackend();
        var spec = new ModelSpec(Inputs,
        [
            new LinearLayerSpec(Hidden, LinearInit.PyTorchDefault), new ActivationLayerSpec(Activation.Tanh),
            new LinearLayerSpec(Outputs, LinearInit.StandardNormal),
        ]);
        using var model = spec.Build(backend, 9);
        model.Prepare(maxRows: 8);
        var x = Values(Rows * Inputs, 1);
        var dy = Values(Rows * Outputs, 2);
        using var input = new Tensor(backend, 8, Inputs);
        using var outputGradient = new Tensor(backend, 8, Outputs);
        backend.Upload<float>(input.Buffer, x);
        backend.Upload<float>(outputGradient.Buffer, dy);
        var (w1, b1, w2, b2) = (Value(backend, model, "0.weight"), Value(backend, model, "0.bias"),
            Value(backend, model, "2.weight"), Value(backend, model, "2.bias"));

        var y = Read(backend, model.Forward(input, Rows).Buffer, Rows * Outputs);
        // Gradients are overwritten by the backward pass, never accumulated: stale NaNs must not survive it.
        foreach (var parameter in model.Parameters)
        {
            backend.Fill(parameter.Gradient, float.NaN, 0, parameter.Count);
        }
        model.Backward(outputGradient, Rows);

        // The same network by hand, in double.
        var h = Affine(Array.ConvertAll(x, v => (double)v), w1, b1, Inputs, Hidden).Select(Math.Tanh).ToArray();
        var z = Affine(h, w2, b2, Hidden, Outputs);
        var dh = Backward(Array.ConvertAll(dy, v => (double)v), h, w2, Hidden, Outputs, out var dw2, out _);
        var da = dh.Select((g, i) => g * (1 - h[i] * h[i])).ToArray();
        Backward(da, Array.ConvertAll(x, v => (double)v), w1, Inputs, Hidden, out var dw1, out var db1);

        AssertClose(z, y);
        AssertClose(dw2, Gradient(backend, model, "2.weight"));
        AssertClose(dw1, Gradient(backend, model, "0.weight"));
        AssertClose(db1, Gradient(backend, model, "0.bias"));
    }

    [Fact]
    public void A_residual_block_adds_its_input_and_hands_the_summed_gradient_back()
    {
        using var backend = new ReferenceBackend();
        // 5-res(5-tanh-5)-3: y = W3 (x + W2 tanh(W1 x + b1) + b2) + b3, with x read twice.
        var spec = ModelSpec.Parse("5-res(5-tanh-5)-3", Activation.Relu, activationGiven: false);
        using var model = spec.Build(backend, 3);
        model.Prepare(Rows);
        var x = Values(Rows * Inputs, 7);
        var dy = Values(Rows * Outputs, 8);
        using var input = new Tensor(backend, Rows, Inputs);
        using var outputGradient = new Tensor(backend, Rows, Outputs);
        backend.Upload<float>(input.Buffer, x);
        backend.Upload<float>(outputGradient.Buffer, dy);
        Assert.Equal(["0.body.0.weight", "0.body.0.bias", "0.body.2.weight", "0.body.2.bias", "1.weight", "1.bias"],
            model.Parameters.Select(parameter => parameter.Name));
        var (w1, b1, w2, b2, w3, b3) = (Value(backend, model, "0.body.0.weight"), Value(backend, model, "0.body.0.bias"),
            Value(backend, model, "0.body.2.weight"), Value(backend, model, "0.body.2.bias"), Value(backend, model, "1.weight"), Value(backend, model, "1.bias"));

        var y = Read(backend, model.Forward(input, Rows).Buffer, Rows * Outputs);
        model.Backward(outputGradient, Rows);

        var xd = Array.ConvertAll(x, v => (double)v);
        var h = Affine(xd, w1, b1, Inputs, Inputs).Select(Math.Tanh).ToArray();
        var f = Affine(h, w2, b2, Inputs, Inputs);
        var r = f.Select((value, i) => value + xd[i]).ToArray();
        var z = Affine(r, w3, b3, Inputs, Outputs);
        var dr = Backward(Array.ConvertAll(dy, v => (double)v), r, w3, Inputs, Outputs, out var dw3, out var db3);
        var dh = Backward(dr, h, w2, Inputs, Inputs, out var dw2, out var db2);
        var da = dh.Select((g, i) => g * (1 - h[i] * h[i])).ToArray();
        Backward(da, xd, w1, Inputs, Inputs, out var dw1, out var db1);

        AssertClose(z, y);
        AssertClose(dw3, Gradient(backend, model, "1.weight"));
        AssertClose(db3, Gradient(backend, model, "1.bias"));
        AssertClose(dw2, Gradient(backend, model, "0.body.2.weight"));
        AssertClose(db2, Gradient(backend, model, "0.body.2.bias"));
        AssertClose(dw1, Gradient(backend, model, "0.body.0.weight"));
        AssertClose(db1, Gradient(backend, model, "0.body.0.bias"));
    }

    [Fact]
    public void A_value_read_by_two_residual_blocks_receives_the_sum_of_their_gradients()
    {
        using var backend = new ReferenceBackend();
        // Two identity-shortcut blocks in a row: the first block's output is read by the second's body and its shortcut.
        var spec = ModelSpec.Parse("5-res(5-tanh-5)-res(5-tanh-5)-3", Activation.Relu, activationGiven: false);
        using var model = spec.Build(backend, 5);
        model.Prepare(Rows);
        using var input = new Tensor(backend, Rows, Inputs);
        using var outputGradient = new Tensor(backend, Rows, Outputs);
        var x = Values(Rows * Inputs, 11);
        var dy = Values(Rows * Outputs, 12);
        backend.Upload<float>(input.Buffer, x);
        backend.Upload<float>(outputGradient.Buffer, dy);
        model.Forward(input, Rows);
        model.Backward(outputGradient, Rows);
        var analytic = Gradient(backend, model, "0.body.0.weight");

        // Central differences of L = sum(dy * y) in double-checked float: the first block's first weight.
        var weight = model.Parameters.Single(parameter => parameter.Name == "0.body.0.weight");
        var values = Read(backend, weight.Value);
        foreach (var index in new[] { 0, 7, 18 })
        {
            double LossAt(float shift)
            {
                var shifted = (float[])values.Clone();
                shifted[index] += shift;
                backend.Upload<float>(weight.Value, shifted);
                var output = Read(backend, model.Forward(input, Rows).Buffer, Rows * Outputs);
                return output.Select((v, i) => (double)v * dy[i]).Sum();
            }
            const float step = 1e-2f;
            var numeric = (LossAt(step) - LossAt(-step)) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic[index]) <= 2e-3 + 2e-3 * Math.Abs(numeric),
                $"weight {index}: finite differences {numeric}, backward {analytic[index]}");
        }
    }

    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void A_linear_layer_with_its_activation_inside_matches_linear_then_activation(Activation activation)
    {
        using var backend = new ReferenceBackend();
        var fused = new Linear(backend, Inputs, Hidden, LinearInit.PyTorchDefault, new Random(4), activation);
        using var plain = new Linear(backend, Inputs, Hidden, LinearInit.PyTorchDefault, new Random(4));
        using var activationLayer = new ActivationLayer(backend, activation, Hidden);
        using var input = new Tensor(backend, Rows, Inputs);
        using var outputGradient = new Tensor(backend, Rows, Hidden);
        backend.Upload<float>(input.Buffer, Values(Rows * Inputs, 5));
        backend.Upload<float>(outputGradient.Buffer, Values(Rows * Hidden, 6));
        fused.Prepare(Rows);
        plain.Prepare(Rows);
        activationLayer.Prepare(Rows);

        var fusedY = Read(backend, ((ILayer)fused).Forward(input, Rows).Buffer, Rows * Hidden);
        fused.Backward(outputGradient, Rows, needInputGradient: false);
        var plainY = Read(backend, ((ILayer)activationLayer).Forward(((ILayer)plain).Forward(input, Rows), Rows).Buffer, Rows * Hidden);
        plain.Backward(activationLayer.Backward(outputGradient, Rows, needInputGradient: true)!, Rows, needInputGradient: false);

        Assert.Equal(plainY, fusedY);
        Assert.Equal(Read(backend, plain.Weight.Gradient), Read(backend, fused.Weight.Gradient));
        Assert.Equal(Read(backend, plain.Bias.Gradient), Read(backend, fused.Bias.Gradient));
        fused.Dispose();
    }

    /// <summary>
    /// A ReLU between a convolution and a max-pooling runs after the pooling (see Network): the model's output and every
    /// gradient are the same bits as the convolution with its ReLU inside followed by a plain pooling. The inputs are
    /// shifted down so that some windows hold no positive value, where the two orders tie differently.
    /// </summary>
    [Fact]
    public void A_relu_before_a_max_pooling_moved_past_it_computes_the_same_bits()
    {
        using var backend = new ReferenceBackend();
        var spec = ModelSpec.Parse("2x6x6-conv3k3p1-relu-maxpool2-flatten-4", Activation.Relu, activationGiven: false);
        using var model = spec.Build(backend, seed: 3);
        model.Prepare(Rows);
        var conv = Assert.IsType<Conv2d>(model.Layers[0]);
        Assert.Null(conv.Activation);
        Assert.Equal(Activation.Relu, Assert.IsType<MaxPool2d>(model.Layers[1]).Activation);
        using var input = new Tensor(backend, Rows, spec.Inputs);
        using var outputGradient = new Tensor(backend, Rows, spec.Outputs);
        backend.Upload<float>(input.Buffer, Values(Rows * spec.Inputs, 8).Select(v => v - 0.6f).ToArray());
        backend.Upload<float>(outputGradient.Buffer, Values(Rows * spec.Outputs, 9));
        model.TrainAt(0);

        var movedY = Read(backend, model.Forward(input, Rows).Buffer, Rows * spec.Outputs);
        model.Backward(outputGradient, Rows);
        var movedGradients = model.Parameters.Select(parameter => Read(backend, parameter.Gradient, parameter.Count)).ToArray();

        // The same parameters through the layers as the graph names them: the ReLU inside the convolution.
        using var fused = new Conv2d(backend, conv.Shape, conv.Weight, conv.Bias, Activation.Relu);
        using var pool = new MaxPool2d(backend, new Pool2dShape(1, 3, 6, 6, 2, 2));
        var linear = model.Layers[3];
        fused.Prepare(Rows);
        pool.Prepare(Rows);
        var pooled = ((ILayer)pool).Forward(((ILayer)fused).Forward(input, Rows), Rows);
        var plainY = Read(backend, linear.Forward(pooled, Rows).Buffer, Rows * spec.Outputs);
        fused.Backward(pool.Backward(linear.Backward(outputGradient, Rows, needInputGradient: true)!, Rows, needInputGradient: true)!, Rows,
            needInputGradient: false);
        var plainGradients = model.Parameters.Select(parameter => Read(backend, parameter.Gradient, parameter.Count)).ToArray();

        Assert.Equal(plainY, movedY);
        Assert.Equal(plainGradients, movedGradients);
        Assert.Contains(Read(backend, pooled.Buffer, Rows * 27), value => value == 0f);
    }

    /// <summary>
    /// A ReLU whose input only it reads, from a batch normalisation or a residual sum, writes its output over that input,
    /// and an activation writes its input gradient over the gradient it receives where nothing else reads that (see
    /// Network): the model's output and every gradient are the same bits as with each activation in buffers of its own, the
    /// running statistics too. An activation whose input a residual block's shortcut reads as well, and one after global
    /// average pooling (whose output is not declared free), keep their outputs apart; one that only a residual sum reads
    /// (which hands its gradient to both branches) keeps its input gradient apart. A residual sum writes over its body's
    /// output where that is free, and a value's gradients are summed over one of their own where its layer owns it.
    /// </summary>
    [Fact]
    public void Activations_after_batch_norm_and_residual_sums_run_in_place_with_the_same_bits()
    {
        using var backend = new ReferenceBackend();
        var spec = ModelSpec.Parse("2x6x6-conv3k3p1nb-bn-relu-res(conv3k3p1nb-bn-relu-conv3k3p1nb-bn)-relu-bn-res(tanh-conv3k3p1nb-bn-relu)-gap-sigmoid-4", Activation.Relu,
            activationGiven: false);
        using var inPlace = spec.Build(backend, seed: 5);
        using var apart = new Network(backend, spec.Graph, seed: 5, layersInPlace: false);
        var activations = inPlace.Layers.OfType<ActivationLayer>().ToArray();
        Assert.Equal([true, true, true, false, true, false], activations.Select(layer => layer.InPlace));
        Assert.Equal([true, true, true, true, false, true], activations.Select(layer => layer.GradientInPlace));
        Assert.All(apart.Layers.OfType<ActivationLayer>(), layer => Assert.False(layer.InPlace || layer.GradientInPlace));
        // The first block's sum over its batch normalisation's output; the second's body ends in a ReLU, which keeps its output.
        Assert.Equal([true, false], inPlace.Layers.OfType<AddLayer>().Select(layer => layer.InPlace));
        Assert.All(apart.Layers.OfType<AddLayer>(), layer => Assert.False(layer.InPlace));
        using var input = new Tensor(backend, Rows, spec.Inputs);
        using var outputGradient = new Tensor(backend, Rows, spec.Outputs);
        backend.Upload<float>(input.Buffer, Values(Rows * spec.Inputs, 11).Select(v => v - 0.5f).ToArray());
        backend.Upload<float>(outputGradient.Buffer, Values(Rows * spec.Outputs, 12));

        (float[] Y, float[][] Gradients, float[][] State) Step(Network model)
        {
            model.Prepare(Rows);
            model.TrainAt(0);
            var y = Read(backend, model.Forward(input, Rows).Buffer, Rows * spec.Outputs);
            model.Backward(outputGradient, Rows);
            return (y, model.Parameters.Select(parameter => Read(backend, parameter.Gradient, parameter.Count)).ToArray(),
                model.State.Where(state => state.Values is not null).Select(state => Read(backend, state.Values!, state.Declaration.Count))
                    .ToArray());
        }

        var (inPlaceY, inPlaceGradients, inPlaceState) = Step(inPlace);
        var (apartY, apartGradients, apartState) = Step(apart);
        Assert.Equal(apartY, inPlaceY);
        Assert.Equal(apartGradients, inPlaceGradients);
        Assert.Equal(apartState, inPlaceState);
        Assert.Contains(inPlaceGradients.SelectMany(gradient => gradient), value => value != 0f);
    }

    /// <summary>
    /// ResNet-20 on 1x28x28 runs every ReLU in place both ways and every residual sum over its body's output, and sums each
    /// block input's gradients over a convolution's own: its buffers shrink by exactly those tensors, counted from the
    /// stages' shapes (7 ReLUs and 3 sums at 16x28x28, 6 and 3 at 32x14x14, 6 and 3 at 64x7x7; a gradient sum per block
    /// input: three 16x28x28, then 16x28x28 and two 32x14x14, then 32x14x14 and two 64x7x7).
    /// </summary>
    [Fact]
    public void In_place_layers_spare_resnet20_the_buffers_they_would_fill()
    {
        using var device = new ReferenceBackend();
        var spec = ModelSpec.Resnet(new FeatureShape(1, 28, 28), 10, 20);
        long Bytes(bool inPlace)
        {
            using var counting = CountingBackend.Create(device);
            using var model = new Network(counting, spec.Graph, 1, inPlace);
            var before = counting.LiveBytes;
            model.Prepare(Rows);
            return counting.LiveBytes - before;
        }

        const long stage1 = 16 * 28 * 28, stage2 = 32 * 14 * 14, stage3 = 64 * 7 * 7;
        // Per stage: each ReLU's output and input gradient, each sum's output; then the block inputs' gradient sums.
        var spared = (2 * 7 + 3) * stage1 + (2 * 6 + 3) * stage2 + (2 * 6 + 3) * stage3 + (4 * stage1 + 3 * stage2 + 2 * stage3);
        Assert.Equal(spared * Rows * sizeof(float), Bytes(inPlace: false) - Bytes(inPlace: true));
    }

    [Fact]
    public void Widths_that_do_not_chain_are_bad_input()
    {
        var error = Assert.Throws<InvalidInputException>(() => ModelSpec.Parse("784-res(30-relu-30)-10", Activation.Relu, activationGiven: false));
        Assert.Contains("adds a 30 body to a 784 shortcut", error.Message);
    }

    /// <summary>dX of Y = X W^T + b for dY, with dW and db.</summary>
    private static double[] Backward(double[] dy, double[] x, float[] w, int inputs, int outputs, out double[] dw, out double[] db)
    {
        dw = new double[outputs * inputs];
        db = new double[outputs];
        var dx = new double[Rows * inputs];
        for (var r = 0; r < Rows; r++)
        {
            for (var o = 0; o < outputs; o++)
            {
                db[o] += dy[r * outputs + o];
                for (var i = 0; i < inputs; i++)
                {
                    dw[o * inputs + i] += dy[r * outputs + o] * x[r * inputs + i];
                    dx[r * inputs + i] += dy[r * outputs + o] * w[o * inputs + i];
                }
            }
        }
        return dx;
    }

    private static float[] Value(ComputeBackend backend, Network model, string name) =>
        Read(backend, model.Parameters.Single(parameter => parameter.Name == name).Value);

    private static float[] Gradient(ComputeBackend backend, Network model, string name) =>
        Read(backend, model.Parameters.Single(parameter => parameter.Name == name).Gradient);

    private static double[] Affine(IReadOnlyList<double> x, float[] w, float[] b, int inputs, int outputs)
    {
        var y = new double[Rows * outputs];
        for (var r = 0; r < Rows; r++)
        {
            for (var o = 0; o < outputs; o++)
            {
                var sum = (double)b[o];
                for (var i = 0; i < inputs; i++)
                {
                    sum += x[r * inputs + i] * w[o * inputs + i];
                }
                y[r * outputs + o] = sum;
            }
        }
        return y;
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private static float[] Read(ComputeBackend backend, DeviceBuffer<float> buffer, int? count = null)
    {
        var values = new float[count ?? buffer.Length];
        backend.Download(buffer, values.AsSpan());
        return values;
    }

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }
}
