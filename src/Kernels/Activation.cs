namespace Descent.Kernels;

/// <summary>
/// Element-wise nonlinearities. Each backward is written in terms of the forward output y, so a layer
/// keeps only its output. The command line spells each member in kebab case (LeakyRelu: leaky-relu),
/// and every backend selects by the member's number, so members are only ever appended.
/// </summary>
public enum Activation
{
    /// <summary>y = max(x, 0); dx = dy where y &gt; 0.</summary>
    Relu,

    /// <summary>y = 1 / (1 + e^-x); dx = dy * y * (1 - y).</summary>
    Sigmoid,

    /// <summary>y = tanh(x); dx = dy * (1 - y^2).</summary>
    Tanh,

    /// <summary>
    /// y = x where x &gt; 0, else 0.01 x (PyTorch's default negative slope); dx = dy where y &gt; 0, else 0.01 dy.
    /// Unlike ReLU a unit is never dead: its gradient is only scaled down on the negative side.
    /// </summary>
    LeakyRelu,
}
