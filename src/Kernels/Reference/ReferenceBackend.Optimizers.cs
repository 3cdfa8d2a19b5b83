namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
        int count, float learningRate, float momentum, float weightDecay)
    {
        var parameterValues = Widen(parameters, count);
        var velocityValues = Widen(velocity, count);
        ReferenceMath.SgdUpdate(parameterValues, velocityValues, Widen(gradients, count), count, learningRate, momentum, weightDecay);
        Store(parameterValues, parameters);
        Store(velocityValues, velocity);
    }

    protected override void AdamWUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients,
        DeviceBuffer<float> firstMoment, DeviceBuffer<float> secondMoment, int count, AdamWStep step)
    {
        var parameterValues = Widen(parameters, count);
        var firstMomentValues = Widen(firstMoment, count);
        var secondMomentValues = Widen(secondMoment, count);
        ReferenceMath.AdamWUpdate(parameterValues, firstMomentValues, secondMomentValues, Widen(gradients, count), count,
            step);
        Store(parameterValues, parameters);
        Store(firstMomentValues, firstMoment);
        Store(secondMomentValues, secondMoment);
    }

    protected override void AdadeltaUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> squareAverage,
        DeviceBuffer<float> deltaAverage, int count, AdadeltaStep step)
    {
        var parameterValues = Widen(parameters, count);
        var squareAverageValues = Widen(squareAverage, count);
        var deltaAverageValues = Widen(deltaAverage, count);
        ReferenceMath.AdadeltaUpdate(parameterValues, squareAverageValues, deltaAverageValues, Widen(gradients, count), count, step);
        Store(parameterValues, parameters);
        Store(squareAverageValues, squareAverage);
        Store(deltaAverageValues, deltaAverage);
    }
}
