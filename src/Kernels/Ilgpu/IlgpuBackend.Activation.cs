using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Element-wise nonlinearities over x, y, dY, dX of N elements: one forward and one backward kernel for
// every activation, which they take as its Activation number. The math is the pair Activate and
// ActivationGradient, so adding an activation adds one arm to each of their switches, and any other
// kernel (a fused GEMM epilogue) can apply the same functions.
public sealed partial class IlgpuBackend
{
    // Activations are numbered 0, 1, ... and only ever appended, so a range check on the number finds
    // an undefined one, and does so on every launch without allocating.
    private static readonly int ActivationCount = Enum.GetValues<Activation>().Length;

    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? launchActivationForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? launchActivationBackward;

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        var kind = ActivationKind(activation);
        launchActivationForward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int,
            int>(ActivationForwardKernel);
        var threads = Threads(count);
        Launches++;
        launchActivationForward(threads, View(x), View(y), kind, count, threads);
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count)
    {
        var kind = ActivationKind(activation);
        launchActivationBackward ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, int, int>(ActivationBackwardKernel);
        var threads = Threads(count);
        Launches++;
        launchActivationBackward(threads, View(dY), View(y), View(dX), kind, count, threads);
    }

    /// <summary>
    /// The activation's number as the kernels take it. An undefined one is refused here, since a kernel
    /// cannot throw.
    /// </summary>
    /// <exception cref="InvalidInputException">The enum defines no such activation.</exception>
    private static int ActivationKind(Activation activation) => (uint)activation < (uint)ActivationCount
        ? (int)activation
        : throw new InvalidInputException($"unknown activation {activation}");

    /// <summary>
    /// y = f(x) for the activation numbered <paramref name="kind"/>; x and y may be the same buffer
    /// (each element is read before it is written).
    /// </summary>
    [IlgpuKernel]
    internal static void ActivationForwardKernel(Index1D index, ArrayView<float> x, ArrayView<float> y, int kind, int count,
        int stride)
    {
        var activation = (Activation)kind;
        for (long i = index; i < count; i += stride)
        {
            y[i] = Activate(activation, x[i]);
        }
    }

    /// <summary>
    /// dX = f'(x) * dY, from the forward output y; dY and dX may be the same buffer (each element is read
    /// before it is written).
    /// </summary>
    [IlgpuKernel]
    internal static void ActivationBackwardKernel(Index1D index, ArrayView<float> dY, ArrayView<float> y, ArrayView<float> dX,
        int kind, int count, int stride)
    {
        var activation = (Activation)kind;
        for (long i = index; i < count; i += stride)
        {
            dX[i] = ActivationGradient(activation, dY[i], y[i]);
        }
    }

    /// <summary>
    /// y = f(x), on the device. ReLU is written so that a NaN x stays NaN (max.f32 on a GPU would return 0
    /// and hide it). An undefined activation gives NaN; <see cref="ActivationKind"/> keeps it from a launch.
    /// </summary>
    private static float Activate(Activation activation, float x) => activation switch
    {
        Activation.Relu => x < 0f ? 0f : x,
        Activation.Sigmoid => DeviceMath.Sigmoid(x),
        Activation.Tanh => DeviceMath.Tanh(x),
        Activation.LeakyRelu => x > 0f ? x : 0.01f * x,
        _ => float.NaN,
    };

    /// <summary>
    /// dX = dY * f'(x), written from the forward output y so the forward input need not be kept.
    /// ReLU selects rather than multiplies, which keeps a non-finite dY out of inactive units.
    /// An undefined activation gives NaN, as in <see cref="Activate"/>.
    /// </summary>
    private static float ActivationGradient(Activation activation, float dY, float y) => activation switch
    {
        Activation.Relu => y > 0f ? dY : 0f,
        Activation.Sigmoid => dY * y * (1f - y),
        Activation.Tanh => dY * (1f - y * y),
        Activation.LeakyRelu => y > 0f ? dY : 0.01f * dY,
        _ => float.NaN,
    };
}
