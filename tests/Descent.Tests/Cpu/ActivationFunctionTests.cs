using System.Runtime.Intrinsics;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Xunit;

namespace Descent.Tests.Cpu;

/// <summary>
/// Each activation's forms on the cpu backend (scalar, vector, bulk forward; scalar and vector
/// backward) compute one function: the element-wise ops use some of them and the fused GEMM epilogue
/// others, so a form that disagreed would make a model train differently fused and unfused. Every
/// member of <see cref="Activation"/> is checked, a new one included.
/// </summary>
public sealed class ActivationFunctionTests
{
    public static TheoryData<Activation> Activations() => new(Enum.GetValues<Activation>());

    [Theory]
    [MemberData(nameof(Activations))]
    public void The_vector_and_bulk_forms_agree_with_the_scalar_ones(Activation activation)
    {
        var check = new FormsAgree();
        ActivationFunctions.Select(activation, check);
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void The_fused_linear_forward_matches_gemm_then_bias_then_the_activation(Activation activation)
    {
        // 75 outputs: two full 32-column tiles and an edge of 11 columns, so the epilogue's vector
        // and scalar forms both run.
        const int rows = 67, inputs = 300, outputs = 75;
        using var backend = new CpuBackend(2);
        using var x = Upload(backend, Values(rows * inputs, 1));
        using var weight = Upload(backend, Values(outputs * inputs, 2));
        using var bias = Upload(backend, Values(outputs, 3));
        using var fused = backend.Allocate<float>(rows * outputs);
        using var separate = backend.Allocate<float>(rows * outputs);

        backend.LinearForward(x, weight, bias, fused, rows, inputs, outputs, activation);
        backend.Gemm(false, true, rows, outputs, inputs, 1f, x, weight, 0f, separate);
        backend.BiasAdd(separate, bias, rows, outputs);
        backend.ActivationForward(activation, separate, separate, rows * outputs);

        var (got, expected) = (Download(backend, fused), Download(backend, separate));
        for (var i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], got[i], $"{activation} y[{i}]");
        }
    }

    [Fact]
    public void An_activation_the_enum_does_not_define_is_bad_input()
    {
        Assert.Throws<InvalidInputException>(() => ActivationFunctions.Select((Activation)99, new FormsAgree()));
    }

    /// <summary>Inputs across the range an activation sees, saturation and a NaN included; a multiple of the vector width.</summary>
    private static float[] Inputs()
    {
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 100f, -100f, 1000f, -1000f, float.NaN, float.NaN };
        var random = new Random(7);
        while (values.Count < 4096)
        {
            var scale = values.Count % 3 == 0 ? 20.0 : values.Count % 3 == 1 ? 2.0 : 1e-3;
            values.Add((float)((random.NextDouble() * 2 - 1) * scale));
        }
        return [.. values];
    }

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>The conformance suite's element-wise bound (1e-6 absolute, 1e-5 relative); NaN only where NaN is expected.</summary>
    private static void AssertClose(float expected, float got, string what)
    {
        if (float.IsNaN(expected))
        {
            Assert.True(float.IsNaN(got), $"{what}: expected NaN, got {got}");
            return;
        }
        Assert.True(Math.Abs(got - expected) <= 1e-6 + 1e-5 * Math.Abs(expected), $"{what}: expected {expected}, got {got}");
    }

    private static DeviceBuffer<float> Upload(ComputeBackend backend, float[] values)
    {
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }

    private static float[] Download(ComputeBackend backend, DeviceBuffer<float> buffer)
    {
        var values = new float[buffer.Length];
        backend.Download<float>(buffer, values);
        return values;
    }

    private readonly struct FormsAgree : IActivationUse
    {
        public void Run<TActivation>() where TActivation : struct, IActivationFunction
        {
            var x = Inputs();
            var y = x.Select(TActivation.Forward).ToArray();
            var bulk = new float[x.Length];
            TActivation.Forward(x, bulk);
            var dY = Values(x.Length, 8);
            var name = typeof(TActivation).Name;
            for (var i = 0; i < x.Length; i += Vector256<float>.Count)
            {
                var vectorY = TActivation.Forward(Vector256.Create(x, i));
                var vectorDX = TActivation.Backward(Vector256.Create(dY, i), Vector256.Create(y, i));
                for (var lane = 0; lane < Vector256<float>.Count; lane++)
                {
                    var at = i + lane;
                    AssertClose(y[at], vectorY[lane], $"{name} vector forward of {x[at]}");
                    AssertClose(y[at], bulk[at], $"{name} bulk forward of {x[at]}");
                    AssertClose(TActivation.Backward(dY[at], y[at]), vectorDX[lane], $"{name} vector backward at y = {y[at]}");
                }
            }
        }
    }
}
