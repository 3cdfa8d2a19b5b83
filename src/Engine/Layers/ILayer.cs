using Descent.Engine.Tensors;

namespace Descent.Engine.Layers;

/// <summary>
/// One layer: forward and backward side by side. A layer owns its output and input-gradient
/// tensors, sized once by <see cref="Prepare"/> for the largest batch, and remembers what its
/// backward needs from the forward (its input or its output).
/// </summary>
public interface ILayer : IDisposable
{
    /// <summary>Columns of the input; 0 where any width is accepted (element-wise layers).</summary>
    int InputWidth { get; }

    int OutputWidth(int inputWidth);

    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Allocates the layer's buffers for batches of up to <paramref name="maxRows"/> rows of <paramref name="inputWidth"/> columns.</summary>
    void Prepare(int maxRows, int inputWidth);

    /// <summary>Y = f(X) over the first <paramref name="rows"/> rows; returns the layer's own output tensor.</summary>
    Tensor Forward(Tensor input, int rows);

    /// <summary>
    /// Given dY, accumulates the parameter gradients and, when <paramref name="needInputGradient"/>,
    /// returns dX (the first layer of a model skips it); otherwise returns null.
    /// </summary>
    Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient);
}
