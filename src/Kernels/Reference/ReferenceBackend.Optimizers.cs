namespace Descent.Kernels.Reference;

public partial class ReferenceBackend
{
    protected override void SgdUpdateCore(DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, DeviceBuffer<float> velocity,
        int count, float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        var parameterValues = Widen(parameters, count);
        var velocityValues = Widen(velocity, count);
        ReferenceMath.SgdUpdate(parameterValues, velocityValues, Widen(gradients, count), count, learningRate, momentum, weightDecay, nesterov);
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

public static partial class ReferenceMath
{
    // ---------------------------------------------------------------- optimizers

    /// <summary>
    /// SGD in place over parameters, velocity and gradients (N), PyTorch's form:
    /// g = grad + weightDecay * param; velocity = momentum * velocity + g; param -= learningRate * step,
    /// where step is velocity, or g + momentum * velocity with Nesterov momentum.
    /// </summary>
    public static void SgdUpdate(double[] parameters, double[] velocity, double[] gradients, int count,
        double learningRate, double momentum, double weightDecay, bool nesterov)
    {
        for (var i = 0; i < count; i++)
        {
            var g = gradients[i] + weightDecay * parameters[i];
            velocity[i] = momentum * velocity[i] + g;
            var step = nesterov ? g + momentum * velocity[i] : velocity[i];
            parameters[i] -= learningRate * step;
        }
    }

    /// <summary>1 - beta^step, the bias correction of an Adam moment after <paramref name="step"/> steps.</summary>
    public static double AdamBiasCorrection(double beta, int step) => 1 - Math.Pow(beta, step);

    /// <summary>
    /// AdamW in place over parameters, both moments and gradients (N), weight decay decoupled:
    /// param -= lr * wd * param; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// param -= lr * (m / biasCorrection1) / (sqrt(v / biasCorrection2) + eps).
    /// </summary>
    public static void AdamWUpdate(double[] parameters, double[] firstMoment, double[] secondMoment, double[] gradients,
        int count, AdamWStep step)
    {
        double learningRate = step.LearningRate;
        double beta1 = step.Beta1;
        double beta2 = step.Beta2;
        double biasCorrection1 = step.BiasCorrection1;
        double biasCorrection2 = step.BiasCorrection2;
        for (var i = 0; i < count; i++)
        {
            var g = gradients[i];
            parameters[i] -= learningRate * step.WeightDecay * parameters[i];
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g;
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g;
            var mHat = firstMoment[i] / biasCorrection1;
            var vHat = secondMoment[i] / biasCorrection2;
            parameters[i] -= learningRate * mHat / (Math.Sqrt(vHat) + step.Epsilon);
        }
    }

    // ---------------------------------------------------------------- Adadelta

    /// <summary>
    /// Adadelta in place over parameters, both averages and gradients (N), PyTorch's form:
    /// g = grad + weightDecay * param; squareAverage = rho * squareAverage + (1 - rho) g^2;
    /// delta = sqrt(deltaAverage + eps) / sqrt(squareAverage + eps) * g;
    /// deltaAverage = rho * deltaAverage + (1 - rho) delta^2; param -= learningRate * delta.
    /// </summary>
    public static void AdadeltaUpdate(double[] parameters, double[] squareAverage, double[] deltaAverage, double[] gradients,
        int count, AdadeltaStep step)
    {
        double rho = step.Rho;
        double epsilon = step.Epsilon;
        for (var i = 0; i < count; i++)
        {
            var g = gradients[i] + step.WeightDecay * parameters[i];
            squareAverage[i] = rho * squareAverage[i] + (1 - rho) * g * g;
            var delta = Math.Sqrt(deltaAverage[i] + epsilon) / Math.Sqrt(squareAverage[i] + epsilon) * g;
            deltaAverage[i] = rho * deltaAverage[i] + (1 - rho) * delta * delta;
            parameters[i] -= step.LearningRate * delta;
        }
    }
}
