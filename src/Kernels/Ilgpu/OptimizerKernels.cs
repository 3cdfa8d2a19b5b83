using ILGPU;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Parameter updates in place over parameters, gradients and optimizer state, all of N elements.
/// Threads walk the elements with a grid stride (<c>stride</c> = threads launched).
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>
    /// SGD, PyTorch's form: g = grad + weightDecay * param; velocity = momentum * velocity + g;
    /// param -= learningRate * velocity.
    /// </summary>
    public static void Sgd(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> velocity,
        int count, float learningRate, float momentum, float weightDecay, int stride)
    {
        for (long i = index; i < count; i += stride)
        {
            var g = gradients[i] + weightDecay * parameters[i];
            var v = momentum * velocity[i] + g;
            velocity[i] = v;
            parameters[i] -= learningRate * v;
        }
    }

    /// <summary>
    /// AdamW, weight decay decoupled: param -= lr * wd * param; m = b1 m + (1 - b1) g;
    /// v = b2 v + (1 - b2) g^2; param -= lr * (m / c1) / (sqrt(v / c2) + eps), where
    /// c1 = 1 - b1^t and c2 = 1 - b2^t come from the host (they depend on the step only).
    /// </summary>
    public static void AdamW(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients,
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
}
