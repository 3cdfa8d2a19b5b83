namespace Descent.Kernels.Reference;

/// <summary>The convolutional ops: each widens its inputs, runs <see cref="ReferenceMath"/>'s loop, and stores the result.</summary>
public partial class ReferenceBackend
{
    protected override void Conv2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> bias,
        DeviceBuffer<float> y, Conv2dShape shape, Activation? activation)
    {
        var result = new double[shape.OutputLength];
        ReferenceMath.Conv2dForward(result, Widen(x, (int)shape.InputLength), Widen(weight, (int)shape.WeightLength),
            Widen(bias, shape.OutChannels), shape, activation);
        Store(result, y);
    }

    protected override void Conv2dBackwardInputCore(DeviceBuffer<float> dY, DeviceBuffer<float> weight, DeviceBuffer<float> dX,
        Conv2dShape shape)
    {
        var result = new double[shape.InputLength];
        ReferenceMath.Conv2dBackwardInput(result, Widen(dY, (int)shape.OutputLength), Widen(weight, (int)shape.WeightLength), shape);
        Store(result, dX);
    }

    protected override void Conv2dBackwardWeightCore(DeviceBuffer<float> dY, DeviceBuffer<float> x, DeviceBuffer<float> dWeight,
        DeviceBuffer<float> dBias, Conv2dShape shape)
    {
        var weightGradient = new double[shape.WeightLength];
        var biasGradient = new double[shape.OutChannels];
        ReferenceMath.Conv2dBackwardWeight(weightGradient, biasGradient, Widen(dY, (int)shape.OutputLength),
            Widen(x, (int)shape.InputLength), shape);
        Store(weightGradient, dWeight);
        Store(biasGradient, dBias);
    }

    protected override void MaxPool2dForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<int> argmax, Pool2dShape shape)
    {
        var result = new double[shape.OutputLength];
        var indices = new int[shape.OutputLength];
        ReferenceMath.MaxPool2dForward(result, indices, Widen(x, (int)shape.InputLength), shape);
        Store(result, y);
        indices.CopyTo(HostElements(argmax));
    }

    protected override void MaxPool2dBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<int> argmax, DeviceBuffer<float> dX, Pool2dShape shape)
    {
        var result = new double[shape.InputLength];
        ReferenceMath.MaxPool2dBackward(result, Widen(dY, (int)shape.OutputLength),
            HostElements(argmax)[..(int)shape.OutputLength].ToArray(), shape);
        Store(result, dX);
    }

    protected override void DropoutForwardCore(DeviceBuffer<float> x, DeviceBuffer<float> y, int count, DropoutStep step)
    {
        var result = new double[count];
        ReferenceMath.Dropout(result, Widen(x, count), count, step);
        Store(result, y);
    }

    protected override void DropoutBackwardCore(DeviceBuffer<float> dY, DeviceBuffer<float> dX, int count, DropoutStep step)
    {
        var result = new double[count];
        ReferenceMath.Dropout(result, Widen(dY, count), count, step);
        Store(result, dX);
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
