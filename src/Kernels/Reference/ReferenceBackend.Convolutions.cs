namespace Descent.Kernels.Reference;

/// <summary>Convolution and its gradients: each widens its inputs, runs <see cref="ReferenceMath"/>'s loop, and stores the result.</summary>
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
}
