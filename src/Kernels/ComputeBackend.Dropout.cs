namespace Descent.Kernels;

/// <summary>Dropout and its gradient, both from the counter-based mask of <see cref="DropoutMask"/>.</summary>
public abstract partial class ComputeBackend
{
    /// <summary>y[i] = x[i] * step.KeptScale where <see cref="DropoutMask.Keep"/>(i, step), else 0. y may be x.</summary>
    [BackendOp]
    public void DropoutForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step)
    {
        CheckPositive(count, "count");
        CheckTensor(x, count, nameof(x));
        CheckTensor(y, count, nameof(y));
        CheckDropout(step);
        DropoutForwardCore(x, y, count, step);
    }

    /// <summary>dX[i] = dY[i] * step.KeptScale where the same mask keeps i, else 0. dX may be dY.</summary>
    [BackendOp]
    public void DropoutBackward(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step)
    {
        CheckPositive(count, "count");
        CheckTensor(dY, count, nameof(dY));
        CheckTensor(dX, count, nameof(dX));
        CheckDropout(step);
        DropoutBackwardCore(dY, dX, count, step);
    }

    // ---------------------------------------------------------------- implementation hooks

    protected abstract void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step);

    protected abstract void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step);

    private static void CheckDropout(DropoutStep step)
    {
        if (!(step.Probability >= 0f && step.Probability < 1f))
        {
            throw new InvalidInputException($"a dropout probability must be in [0, 1), got {step.Probability}");
        }
    }
}
