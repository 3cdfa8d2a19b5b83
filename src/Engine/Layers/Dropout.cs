using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>
/// PyTorch's nn.Dropout(p): while training, each element is zeroed with probability p and the rest scaled by
/// 1 / (1 - p); in evaluation it is the identity and passes its input on untouched. The mask is a function
/// of (seed, the layer's module index, the global step, the element) alone (<see cref="DropoutMask"/>): no
/// generator state, so a resumed run draws the masks an uninterrupted one draws, on any backend.
/// </summary>
/// <param name="stream">The layer's own stream of masks: its module index, so two dropout layers never share a mask.</param>
public sealed class Dropout(ComputeBackend backend, float probability, uint seed, uint stream) : ILayer
{
    private Tensor? output;
    private Tensor? inputGradient;
    private int width;
    private bool training;
    private bool forwardTrained;
    private DropoutStep step = new(probability, seed, stream, 0);

    public float Probability => probability;

    public int InputWidth => 0;

    public IReadOnlyList<Parameter> Parameters { get; } = [];

    public int OutputWidth(int inputWidth) => inputWidth;

    /// <summary>Masks the next forward and backward with those of training step <paramref name="globalStep"/> (counted from 0 over the run).</summary>
    public void TrainAt(long globalStep)
    {
        training = true;
        // The generator's counter holds 32 bits of step: masks repeat after 2^32 steps, far beyond any run here.
        step = step with { Step = unchecked((uint)globalStep) };
    }

    /// <summary>Passes inputs on untouched from now on, as PyTorch's model.eval() does.</summary>
    public void Evaluate() => training = false;

    public void Prepare(int maxRows, int inputWidth)
    {
        Dispose();
        width = inputWidth;
        output = new Tensor(backend, maxRows, inputWidth);
        inputGradient = new Tensor(backend, maxRows, inputWidth);
    }

    public Tensor Forward(Tensor input, int rows)
    {
        forwardTrained = training;
        if (!training)
        {
            return input;
        }
        var y = output ?? throw NotPrepared();
        // y = x * mask / (1 - p); its own buffer, since the layer before may keep x for its backward
        backend.DropoutForward(input.Buffer, y.Buffer, rows * width, step);
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }
        if (!forwardTrained)
        {
            return outputGradient;
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dx = dy * mask / (1 - p), the forward's mask
        backend.DropoutBackward(outputGradient.Buffer, dx.Buffer, rows * width, step);
        return dx;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("Dropout used before Prepare");
}
