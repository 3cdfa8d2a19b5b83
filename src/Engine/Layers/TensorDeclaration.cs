namespace Descent.Engine.Layers;

/// <summary>Whether a declared tensor trains (a parameter, updated by the optimizer) or is state a layer keeps and the model file saves.</summary>
public enum TensorRole
{
    Parameter,
    State,
}

/// <summary>The element type a declared tensor has in the model file: float32, or int64 (a counter such as num_batches_tracked).</summary>
public enum TensorElement
{
    Float32,
    Int64,
}

/// <summary>
/// One tensor a layer owns, named within its module as PyTorch names it ("weight"), with its shape, role and
/// element type and how it starts: <see cref="Initial"/> draws from the model's seeded generator (a parameter)
/// or returns constants (state). A model's file names and checks, its parameter store and the memory plan
/// all come from these declarations.
/// </summary>
public sealed record TensorDeclaration(string Name, int[] Shape, TensorRole Role, TensorElement Element, Func<Random, float[]> Initial)
{
    public int Count => Shape.Aggregate(1, (product, size) => checked(product * size));

    public static TensorDeclaration Parameter(string name, int[] shape, Func<Random, float[]> initial) =>
        new(name, shape, TensorRole.Parameter, TensorElement.Float32, initial);

    /// <summary>Float state that starts at <paramref name="value"/> everywhere (running statistics).</summary>
    public static TensorDeclaration FloatState(string name, int[] shape, float value) =>
        new(name, shape, TensorRole.State, TensorElement.Float32, _ => Enumerable.Repeat(value, shape.Aggregate(1, (p, s) => p * s)).ToArray());

    /// <summary>An integer counter, kept on the host (it only counts steps), that starts at 0.</summary>
    public static TensorDeclaration Int64State(string name, int[] shape) =>
        new(name, shape, TensorRole.State, TensorElement.Int64, _ => new float[shape.Aggregate(1, (p, s) => p * s)]);
}
