using Descent.Engine.Tensors;

namespace Descent.Engine.Layers;

/// <summary>
/// The runtime of one node of a model: forward and backward side by side. A layer owns its output and
/// input-gradient tensors, sized once by <see cref="Prepare"/> for the largest batch, and remembers what
/// its backward needs from the forward. A layer of several inputs is a sum of them (a residual join), so
/// the one gradient its backward returns is every input's.
/// </summary>
public interface ILayer : IDisposable
{
    /// <summary>Allocates the layer's buffers for batches of up to <paramref name="maxRows"/> rows.</summary>
    void Prepare(int maxRows);

    /// <summary>Y = f(inputs) over the first <paramref name="rows"/> rows; returns the layer's own output tensor (or its input, for a view).</summary>
    Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows);

    /// <summary>
    /// Given dY, writes the parameter gradients (overwriting them: each parameter is used once per step) and,
    /// when <paramref name="needInputGradient"/>, returns dX (layers that read only the model's input skip it);
    /// otherwise returns null.
    /// </summary>
    Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient);

    /// <summary>The forward of a layer of one input.</summary>
    Tensor Forward(Tensor input, int rows) => Forward([input], rows);
}
