using ILGPU;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

// Parameter updates in place over parameters, gradients and optimizer state, all of N elements.
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, float, int, int>? launchSgd;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, AdamWStep, int>? launchAdamW;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, AdadeltaStep, int>? launchAdadelta;

    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> velocity, int count, float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        launchSgd ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int,
            float, float, float, int, int>(SgdKernel);
        var threads = Threads(count);
        Launches++;
        launchSgd(threads, View(parameters), View(gradients), View(velocity), count, learningRate, momentum, weightDecay,
            nesterov ? 1 : 0, threads);
    }

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step)
    {
        launchAdamW ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, AdamWStep, int>(AdamWKernel);
        var threads = Threads(count);
        Launches++;
        launchAdamW(threads, View(parameters), View(gradients), View(firstMoment), View(secondMoment), count, step, threads);
    }

    /// <summary>
    /// SGD, PyTorch's form: g = grad + weightDecay * param; velocity = momentum * velocity + g;
    /// param -= learningRate * step, where step is velocity, or g + momentum * velocity when nesterov is 1
    /// (an int, as kernels take no bool).
    /// </summary>
    [IlgpuKernel]
    internal static void SgdKernel(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> velocity,
        int count, float learningRate, float momentum, float weightDecay, int nesterov, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            var g = gradients[i] + weightDecay * parameters[i];
            var v = momentum * velocity[i] + g;
            velocity[i] = v;
            var step = nesterov != 0 ? g + momentum * v : v;
            parameters[i] -= learningRate * step;
        }
    }

    /// <summary>
    /// AdamW, weight decay decoupled: param -= lr * wd * param; m = b1 m + (1 - b1) g;
    /// v = b2 v + (1 - b2) g^2; param -= lr * (m / c1) / (sqrt(v / c2) + eps), where
    /// c1 = 1 - b1^t and c2 = 1 - b2^t come from the host (they depend on the step only).
    /// </summary>
    [IlgpuKernel]
    internal static void AdamWKernel(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients,
        ArrayView<float> firstMoment, ArrayView<float> secondMoment, int count, AdamWStep step, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            var g = gradients[i];
            var param = parameters[i];
            param -= step.LearningRate * step.WeightDecay * param;
            var m = step.Beta1 * firstMoment[i] + (1f - step.Beta1) * g;
            var v = step.Beta2 * secondMoment[i] + (1f - step.Beta2) * g * g;
            firstMoment[i] = m;
            secondMoment[i] = v;
            parameters[i] = param - step.LearningRate * (m / step.BiasCorrection1) / (MathF.Sqrt(v / step.BiasCorrection2) + step.Epsilon);
        }
    }

    protected override void AdadeltaUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> squareAverage, DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step)
    {
        launchAdadelta ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, AdadeltaStep, int>(AdadeltaKernel);
        var threads = Threads(count);
        Launches++;
        launchAdadelta(threads, View(parameters), View(gradients), View(squareAverage), View(deltaAverage), count, step, threads);
    }

    /// <summary>Adadelta, PyTorch's form, as <see cref="AdadeltaStep"/> writes it, one element per iteration.</summary>
    [IlgpuKernel]
    internal static void AdadeltaKernel(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients,
        ArrayView<float> squareAverage, ArrayView<float> deltaAverage, int count, AdadeltaStep step, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            var param = parameters[i];
            var g = gradients[i] + step.WeightDecay * param;
            var square = step.Rho * squareAverage[i] + (1f - step.Rho) * g * g;
            var deltaAverageBefore = deltaAverage[i];
            var delta = MathF.Sqrt(deltaAverageBefore + step.Epsilon) / MathF.Sqrt(square + step.Epsilon) * g;
            squareAverage[i] = square;
            deltaAverage[i] = step.Rho * deltaAverageBefore + (1f - step.Rho) * delta * delta;
            parameters[i] = param - step.LearningRate * delta;
        }
    }
}
