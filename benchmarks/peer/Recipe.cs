using static TorchSharp.torch;

namespace Descent.Peer;

/// <summary>
/// The optimizer of a run: one per group of parameters that share a weight decay. Separate optimizers over disjoint
/// parameters do what PyTorch's parameter groups do, since every update reads only its own parameter's state.
/// </summary>
public sealed class Recipe(IReadOnlyList<optim.Optimizer> groups)
{
    public void ZeroGradients()
    {
        foreach (var group in groups)
        {
            group.zero_grad();
        }
    }

    public void Step()
    {
        foreach (var group in groups)
        {
            group.step();
        }
    }
}
