namespace Descent.Kernels;

/// <summary>
/// The parameter updates, each in place over parameters, gradients and the optimizer's state; the record of what
/// one step of an update needs sits below the ops.
/// </summary>
public abstract partial class ComputeBackend
{
    /// <summary>
    /// SGD in place, PyTorch's form: g = grad + weightDecay * param; velocity = momentum * velocity + g;
    /// param -= learningRate * step, where step is velocity, or g + momentum * velocity with Nesterov momentum
    /// (with momentum 0 this is plain SGD).
    /// </summary>
    [BackendOp]
    public void SgdUpdate(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
        int count, float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        CheckPositive(count, "count");
        CheckBuffer(parameters, nameof(parameters));
        CheckBuffer(gradients, nameof(gradients));
        CheckBuffer(velocity, nameof(velocity));
        CheckLength(parameters, count, "parameters");
        CheckLength(gradients, count, "gradients");
        CheckLength(velocity, count, "velocity");
        SgdUpdateCore(parameters, gradients, velocity, count, learningRate, momentum, weightDecay, nesterov);
    }

    /// <summary>
    /// AdamW in place (decoupled weight decay): param -= lr * wd * param;
    /// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// param -= lr * (m / biasCorrection1) / (sqrt(v / biasCorrection2) + eps), with the step's values
    /// as the optimizer gives them.
    /// </summary>
    [BackendOp]
    public void AdamWUpdate(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step)
    {
        CheckPositive(count, "count");
        CheckBuffer(parameters, nameof(parameters));
        CheckBuffer(gradients, nameof(gradients));
        CheckBuffer(firstMoment, nameof(firstMoment));
        CheckBuffer(secondMoment, nameof(secondMoment));
        CheckLength(parameters, count, "parameters");
        CheckLength(gradients, count, "gradients");
        CheckLength(firstMoment, count, "firstMoment");
        CheckLength(secondMoment, count, "secondMoment");
        AdamWUpdateCore(parameters, gradients, firstMoment, secondMoment, count, step);
    }

    /// <summary>Adadelta in place, as <see cref="AdadeltaStep"/> writes it; both state buffers start at zero.</summary>
    [BackendOp]
    public void AdadeltaUpdate(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> squareAverage,
        DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step)
    {
        CheckPositive(count, "count");
        CheckTensor(parameters, count, nameof(parameters));
        CheckTensor(gradients, count, nameof(gradients));
        CheckTensor(squareAverage, count, nameof(squareAverage));
        CheckTensor(deltaAverage, count, nameof(deltaAverage));
        AdadeltaUpdateCore(parameters, gradients, squareAverage, deltaAverage, count, step);
    }

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
        int count, float learningRate, float momentum, float weightDecay, bool nesterov);

    protected abstract void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step);

    protected abstract void AdadeltaUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> squareAverage,
        DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step);
}

/// <summary>
/// What the AdamW update kernel needs for one step: the hyper-parameters and the two bias corrections
/// (1 - beta1^t and 1 - beta2^t), which the optimizer computes once per step. Which values are
/// sensible is the optimizer's rule, not the kernel's.
/// </summary>
public readonly record struct AdamWStep(
    float LearningRate,
    float Beta1,
    float Beta2,
    float Epsilon,
    float WeightDecay,
    float BiasCorrection1,
    float BiasCorrection2);

/// <summary>
/// What the Adadelta update needs for one step, PyTorch's form: g = grad + weightDecay * param;
/// squareAverage = rho * squareAverage + (1 - rho) * g^2; delta = sqrt(deltaAverage + eps) / sqrt(squareAverage + eps) * g;
/// deltaAverage = rho * deltaAverage + (1 - rho) * delta^2; param -= learningRate * delta.
/// </summary>
public readonly record struct AdadeltaStep(float LearningRate, float Rho, float Epsilon, float WeightDecay);
