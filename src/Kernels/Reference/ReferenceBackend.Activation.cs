namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        var result = new double[count];
        ReferenceMath.ActivationForward(activation, result, Widen(x, count), count);
        Store(result, y);
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> dY, DeviceBuffer<float> y,
        DeviceBuffer<float> dX, int count)
    {
        var result = new double[count];
        ReferenceMath.ActivationBackward(activation, result, Widen(dY, count), Widen(y, count), count);
        Store(result, dX);
    }
}

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- activations

    /// <summary>Leaky ReLU's slope for x &lt;= 0, in float as the backends use it: 0.01f widened.</summary>
    public const double LeakyReluSlope = 0.01f;

    /// <summary>f(x) for one element.</summary>
    public static double Activate(Activation activation, double x) => activation switch
    {
        Activation.Relu => Math.Max(x, 0),
        Activation.Sigmoid => Sigmoid(x),
        Activation.Tanh => Math.Tanh(x),
        Activation.LeakyRelu => x > 0 ? x : LeakyReluSlope * x,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    /// <summary>1 / (1 + e^-z), in the form that never divides infinity by infinity.</summary>
    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>Forward: y (N) = f(x (N)).</summary>
    public static void ActivationForward(Activation activation, double[] y, double[] x, int count)
    {
        for (var i = 0; i < count; i++)
        {
            y[i] = Activate(activation, x[i]);
        }
    }

    /// <summary>Backward: dX (N) = dY (N) * f'(x), with f' written in terms of the forward output y (N).</summary>
    public static void ActivationBackward(Activation activation, double[] dX, double[] dY, double[] y, int count)
    {
        for (var i = 0; i < count; i++)
        {
            dX[i] = activation switch
            {
                // Selecting rather than multiplying by 0 keeps a non-finite dY out of inactive units.
                Activation.Relu => y[i] > 0 ? dY[i] : 0,
                Activation.Sigmoid => dY[i] * y[i] * (1 - y[i]),
                Activation.Tanh => dY[i] * (1 - y[i] * y[i]),
                Activation.LeakyRelu => y[i] > 0 ? dY[i] : LeakyReluSlope * dY[i],
                _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
            };
        }
    }
}
