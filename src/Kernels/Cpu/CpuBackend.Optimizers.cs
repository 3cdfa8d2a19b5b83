using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Descent.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
        int count, float learningRate, float momentum, float weightDecay, bool nesterov) =>
        RunElementwise(new SgdKernel(Pointer(parameters), Pointer(gradients), Pointer(velocity), learningRate, momentum, weightDecay,
            nesterov), count);

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step) =>
        RunElementwise(new AdamWKernel(Pointer(parameters), Pointer(gradients), Pointer(firstMoment), Pointer(secondMoment), step), count);

    protected override void AdadeltaUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> squareAverage,
        DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step) =>
        RunElementwise(new AdadeltaKernel(Pointer(parameters), Pointer(gradients), Pointer(squareAverage), Pointer(deltaAverage), step), count);
}

/// <summary>
/// SGD in place over N elements, PyTorch's form: g = grad + weightDecay * param;
/// velocity = momentum * velocity + g; param -= learningRate * step, where step is velocity, or
/// g + momentum * velocity with Nesterov momentum.
/// </summary>
internal unsafe struct SgdKernel(float* parameters, float* gradients, float* velocity, float learningRate, float momentum,
    float weightDecay, bool nesterov) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var i = start;
        var rate = Vector256.Create(learningRate);
        var decay = Vector256.Create(weightDecay);
        var keep = Vector256.Create(momentum);
        for (; i + Vector256<float>.Count <= end; i += Vector256<float>.Count)
        {
            var param = Vector256.Load(parameters + i);
            var g = Vector256.Load(gradients + i) + decay * param;
            var v = keep * Vector256.Load(velocity + i) + g;
            v.Store(velocity + i);
            var step = nesterov ? g + keep * v : v;
            (param - rate * step).Store(parameters + i);
        }
        for (; i < end; i++)
        {
            var g = gradients[i] + weightDecay * parameters[i];
            var v = momentum * velocity[i] + g;
            velocity[i] = v;
            var step = nesterov ? g + momentum * v : v;
            parameters[i] -= learningRate * step;
        }
    }
}

/// <summary>
/// AdamW in place over N elements, weight decay decoupled: param -= lr * wd * param;
/// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; param -= lr * (m / c1) / (sqrt(v / c2) + eps),
/// where c1 = 1 - b1^t and c2 = 1 - b2^t come from the caller.
/// </summary>
internal unsafe struct AdamWKernel(float* parameters, float* gradients, float* firstMoment, float* secondMoment,
    AdamWStep step) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var (lr, b1, b2, eps, wd) = (step.LearningRate, step.Beta1, step.Beta2, step.Epsilon, step.WeightDecay);
        var (biasCorrection1, biasCorrection2) = (step.BiasCorrection1, step.BiasCorrection2);
        var i = start;
        for (; i + Vector256<float>.Count <= end; i += Vector256<float>.Count)
        {
            var g = Vector256.Load(gradients + i);
            var param = Vector256.Load(parameters + i);
            param -= Vector256.Create(lr * wd) * param;
            var m = Vector256.Create(b1) * Vector256.Load(firstMoment + i) + Vector256.Create(1f - b1) * g;
            var v = Vector256.Create(b2) * Vector256.Load(secondMoment + i) + Vector256.Create(1f - b2) * g * g;
            m.Store(firstMoment + i);
            v.Store(secondMoment + i);
            var update = Vector256.Create(lr) * (m / Vector256.Create(biasCorrection1))
                / (Vector256.Sqrt(v / Vector256.Create(biasCorrection2)) + Vector256.Create(eps));
            (param - update).Store(parameters + i);
        }
        for (; i < end; i++)
        {
            var g = gradients[i];
            var param = parameters[i];
            param -= lr * wd * param;
            var m = b1 * firstMoment[i] + (1f - b1) * g;
            var v = b2 * secondMoment[i] + (1f - b2) * g * g;
            firstMoment[i] = m;
            secondMoment[i] = v;
            parameters[i] = param - lr * (m / biasCorrection1) / (MathF.Sqrt(v / biasCorrection2) + eps);
        }
    }
}

/// <summary>
/// Adadelta in place over N elements, PyTorch's form: g = grad + weightDecay * param;
/// squareAverage = rho squareAverage + (1 - rho) g^2; delta = sqrt(deltaAverage + eps) / sqrt(squareAverage + eps) * g;
/// deltaAverage = rho deltaAverage + (1 - rho) delta^2; param -= learningRate * delta.
/// </summary>
internal unsafe struct AdadeltaKernel(float* parameters, float* gradients, float* squareAverage, float* deltaAverage,
    AdadeltaStep step) : IRangeKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Execute(int start, int end)
    {
        var (lr, rho, eps, wd) = (step.LearningRate, step.Rho, step.Epsilon, step.WeightDecay);
        var i = start;
        for (; i + Vector256<float>.Count <= end; i += Vector256<float>.Count)
        {
            var param = Vector256.Load(parameters + i);
            var g = Vector256.Load(gradients + i) + Vector256.Create(wd) * param;
            var square = Vector256.Create(rho) * Vector256.Load(squareAverage + i) + Vector256.Create(1f - rho) * g * g;
            var delta = Vector256.Sqrt(Vector256.Load(deltaAverage + i) + Vector256.Create(eps)) / Vector256.Sqrt(square + Vector256.Create(eps)) * g;
            var deltaSquare = Vector256.Create(rho) * Vector256.Load(deltaAverage + i) + Vector256.Create(1f - rho) * delta * delta;
            square.Store(squareAverage + i);
            deltaSquare.Store(deltaAverage + i);
            (param - Vector256.Create(lr) * delta).Store(parameters + i);
        }
        for (; i < end; i++)
        {
            var param = parameters[i];
            var g = gradients[i] + wd * param;
            var square = rho * squareAverage[i] + (1f - rho) * g * g;
            var delta = MathF.Sqrt(deltaAverage[i] + eps) / MathF.Sqrt(square + eps) * g;
            squareAverage[i] = square;
            deltaAverage[i] = rho * deltaAverage[i] + (1f - rho) * delta * delta;
            parameters[i] = param - lr * delta;
        }
    }
}
