using Descent.Kernels.Cpu.Gemm;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void GemmCore(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, GemmAlgorithm algorithm)
    {
        var problem = new GemmProblem(transposeA, transposeB, m, n, k, Pointer(a), Pointer(b),
            new GemmOutput(Pointer(c), alpha, beta, null, null));
        if (algorithm == GemmAlgorithm.Naive)
        {
            NaiveGemm.Multiply(problem);
        }
        else
        {
            gemm.Multiply(problem);
        }
    }

    // One pass: the bias and the activation are applied to each register tile as it is stored.
    protected override void LinearForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, int rows, int inputs, int outputs, Activation? activation) =>
        gemm.Multiply(new GemmProblem(false, true, rows, outputs, inputs, Pointer(x), Pointer(weight),
            new GemmOutput(Pointer(y), 1f, 0f, Pointer(bias), activation)));
}
