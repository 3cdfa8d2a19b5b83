using Descent.Engine.Layers;
using Descent.Engine.Tensors;
using Descent.Kernels;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>
/// The layers wire the ops the right way round: a Linear - Tanh - Linear - Softmax stack on the
/// reference backend against the same network written as plain loops, forward and backward.
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
        var random = new Random(9);
        var first = new Linear(backend, Inputs, Hidden, LinearInit.PyTorchDefault, random);
        var second = new Linear(backend, Hidden, Outputs, LinearInit.StandardNormal, random);
        using var model = new Sequential(Inputs, first, new ActivationLayer(backend, Activation.Tanh), second);
        model.Prepare(maxRows: 8);
        var x = Values(Rows * Inputs, 1);
        var dy = Values(Rows * Outputs, 2);
        using var input = new Tensor(backend, 8, Inputs);
        using var outputGradient = new Tensor(backend, 8, Outputs);
        backend.Upload<float>(input.Buffer, x);
        backend.Upload<float>(outputGradient.Buffer, dy);
        var (w1, b1, w2, b2) = (Read(backend, first.Weight.Value), Read(backend, first.Bias.Value),
            Read(backend, second.Weight.Value), Read(backend, second.Bias.Value));

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
        var dz = Array.ConvertAll(dy, v => (double)v);
        var dw2 = new double[Outputs * Hidden];
        var dh = new double[Rows * Hidden];
        for (var r = 0; r < Rows; r++)
        {
            for (var o = 0; o < Outputs; o++)
            {
                for (var j = 0; j < Hidden; j++)
                {
                    dw2[o * Hidden + j] += dz[r * Outputs + o] * h[r * Hidden + j];
                    dh[r * Hidden + j] += dz[r * Outputs + o] * w2[o * Hidden + j];
                }
            }
        }
        var da = dh.Select((g, i) => g * (1 - h[i] * h[i])).ToArray();
        var dw1 = new double[Hidden * Inputs];
        var db1 = new double[Hidden];
        for (var r = 0; r < Rows; r++)
        {
            for (var j = 0; j < Hidden; j++)
            {
                db1[j] += da[r * Hidden + j];
                for (var i = 0; i < Inputs; i++)
                {
                    dw1[j * Inputs + i] += da[r * Hidden + j] * x[r * Inputs + i];
                }
            }
        }

        AssertClose(z, y);
        AssertClose(dw2, Read(backend, second.Weight.Gradient));
        AssertClose(dw1, Read(backend, first.Weight.Gradient));
        AssertClose(db1, Read(backend, first.Bias.Gradient));
    }

    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void A_linear_layer_with_its_activation_inside_matches_linear_then_activation(Activation activation)
    {
        using var backend = new ReferenceBackend();
        var fused = new Linear(backend, Inputs, Hidden, LinearInit.PyTorchDefault, new Random(4), activation);
        var plain = new Linear(backend, Inputs, Hidden, LinearInit.PyTorchDefault, new Random(4));
        using var fusedModel = new Sequential(Inputs, fused);
        using var plainModel = new Sequential(Inputs, plain, new ActivationLayer(backend, activation));
        using var input = new Tensor(backend, Rows, Inputs);
        using var outputGradient = new Tensor(backend, Rows, Hidden);
        backend.Upload<float>(input.Buffer, Values(Rows * Inputs, 5));
        backend.Upload<float>(outputGradient.Buffer, Values(Rows * Hidden, 6));

        float[][] Run(Sequential model, Linear linear)
        {
            model.Prepare(Rows);
            var y = Read(backend, model.Forward(input, Rows).Buffer, Rows * Hidden);
            model.Backward(outputGradient, Rows);
            return [y, Read(backend, linear.Weight.Gradient), Read(backend, linear.Bias.Gradient)];
        }

        var fusedResults = Run(fusedModel, fused);
        var plainResults = Run(plainModel, plain);

        for (var i = 0; i < fusedResults.Length; i++)
        {
            Assert.Equal(plainResults[i], fusedResults[i]);
        }
    }

    [Fact]
    public void Widths_that_do_not_chain_are_bad_input()
    {
        using var backend = new ReferenceBackend();
        var random = new Random(1);

        var error = Assert.Throws<InvalidInputException>(() => new Sequential(784,
            new Linear(backend, 784, 30, LinearInit.PyTorchDefault, random), new Linear(backend, 31, 1, LinearInit.PyTorchDefault, random)));
        Assert.Contains("expects 31 inputs but receives 30", error.Message);
    }

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
