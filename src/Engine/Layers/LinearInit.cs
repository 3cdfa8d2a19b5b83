using Descent.Kernels;

namespace Descent.Engine.Layers;

/// <summary>How a linear layer's weights and biases start.</summary>
public abstract class LinearInit
{
    /// <summary>The lesson's from-scratch model: every weight and bias drawn from N(0, 1).</summary>
    public static LinearInit StandardNormal { get; } = new StandardNormalInit();

    /// <summary>PyTorch's nn.Linear default: weights and biases uniform in +-1/sqrt(fan_in).</summary>
    public static LinearInit PyTorchDefault { get; } = new FanInUniformInit();

    /// <summary>Every init, as specs name them.</summary>
    public static IReadOnlyList<LinearInit> All { get; } = [StandardNormal, PyTorchDefault];

    /// <summary>The name a serialised spec uses: "standard-normal" or "pytorch-default".</summary>
    public abstract string Name { get; }

    public static LinearInit Parse(string name) =>
        All.FirstOrDefault(init => init.Name == name)
        ?? throw new InvalidInputException($"unknown init '{name}'; choose {string.Join(", ", All.Select(init => init.Name))}");

    public abstract float[] Weights(int inputs, int outputs, Random random);

    public abstract float[] Biases(int inputs, int outputs, Random random);

    /// <summary><paramref name="count"/> draws from N(0, deviation^2), by Box-Muller: the one normal sampler of every init.</summary>
    internal static float[] NormalValues(int count, double deviation, Random random)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            // 1 - NextDouble() keeps the logarithm's argument in (0, 1].
            var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
            values[i] = (float)(deviation * radius * Math.Cos(2.0 * Math.PI * random.NextDouble()));
        }
        return values;
    }

    private sealed class StandardNormalInit : LinearInit
    {
        public override string Name => "standard-normal";

        public override float[] Weights(int inputs, int outputs, Random random) => Normal(inputs * outputs, random);

        public override float[] Biases(int inputs, int outputs, Random random) => Normal(outputs, random);

        private static float[] Normal(int count, Random random) => NormalValues(count, 1.0, random);
    }

    private sealed class FanInUniformInit : LinearInit
    {
        public override string Name => "pytorch-default";

        public override float[] Weights(int inputs, int outputs, Random random) => Uniform(inputs * outputs, inputs, random);

        public override float[] Biases(int inputs, int outputs, Random random) => Uniform(outputs, inputs, random);

        private static float[] Uniform(int count, int fanIn, Random random)
        {
            var bound = 1.0 / Math.Sqrt(fanIn);
            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
            }
            return values;
        }
    }
}
