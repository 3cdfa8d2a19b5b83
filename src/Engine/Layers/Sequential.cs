using Descent.Engine.Tensors;
using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>Layers applied in order; backward walks them in reverse.</summary>
public sealed class Sequential : IDisposable
{
    private readonly ILayer[] layers;
    private readonly Parameter[] parameters;
    private readonly Dropout[] dropouts;

    public Sequential(int inputWidth, params ILayer[] layers)
    {
        if (layers.Length == 0)
        {
            throw new InvalidInputException("a model needs at least one layer");
        }
        InputWidth = inputWidth;
        this.layers = layers;
        var width = inputWidth;
        foreach (var layer in layers)
        {
            if (layer.InputWidth != 0 && layer.InputWidth != width)
            {
                throw new InvalidInputException($"a layer expects {layer.InputWidth} inputs but receives {width}");
            }
            width = layer.OutputWidth(width);
        }
        OutputWidth = width;
        parameters = layers.SelectMany(l => l.Parameters).ToArray();
        dropouts = layers.OfType<Dropout>().ToArray();
        if (parameters.Length > 0)
        {
            Store = ParameterStore.Pack(parameters[0].Value.Owner, parameters);
        }
    }

    /// <summary>The one buffer pair every parameter lives in (null for a model without parameters).</summary>
    public ParameterStore? Store { get; }

    public int InputWidth { get; }

    public int OutputWidth { get; }

    public IReadOnlyList<ILayer> Layers => layers;

    public IReadOnlyList<Parameter> Parameters => parameters;

    public int ParameterCount => Parameters.Sum(p => p.Count);

    /// <summary>Sizes every layer's buffers for batches of up to <paramref name="maxRows"/> rows.</summary>
    public void Prepare(int maxRows)
    {
        var width = InputWidth;
        foreach (var layer in layers)
        {
            layer.Prepare(maxRows, width);
            width = layer.OutputWidth(width);
        }
    }

    /// <summary>
    /// Puts the model in training mode for global step <paramref name="step"/> (from 0 over the whole run):
    /// its dropout layers draw that step's masks. A plain assignment per dropout layer, no device work.
    /// </summary>
    public void TrainAt(long step)
    {
        foreach (var dropout in dropouts)
        {
            dropout.TrainAt(step);
        }
    }

    /// <summary>Puts the model in evaluation mode, where dropout passes its input on; a model starts in it.</summary>
    public void Evaluate()
    {
        foreach (var dropout in dropouts)
        {
            dropout.Evaluate();
        }
    }

    public Tensor Forward(Tensor input, int rows)
    {
        var x = input;
        foreach (var layer in layers)
        {
            x = layer.Forward(x, rows);
        }
        return x;
    }

    /// <summary>Backpropagates dLoss/dOutput through every layer, accumulating parameter gradients.</summary>
    public void Backward(Tensor outputGradient, int rows)
    {
        var gradient = outputGradient;
        for (var i = layers.Length - 1; i >= 0; i--)
        {
            // The first layer's input is the data: nobody needs its gradient.
            gradient = layers[i].Backward(gradient, rows, needInputGradient: i > 0)!;
        }
    }

    public void Dispose()
    {
        foreach (var layer in layers)
        {
            layer.Dispose();
        }
        Store?.Dispose();
    }
}
