namespace Descent.Kernels.Conformance;

/// <summary>
/// Inputs for the cases. Each case makes its own generator from one fixed seed, so its inputs are the
/// same on every run and do not depend on which other cases ran before it.
/// </summary>
internal static class SeededInputs
{
    private const int Seed = 4242;

    public static Random NewGenerator() => new(Seed);

    /// <summary>Floats drawn uniformly from [low, high).</summary>
    public static float[] Uniform(Random random, int count, double low, double high)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(low + (high - low) * random.NextDouble());
        }
        return values;
    }

    /// <summary>Floats with magnitude in [minMagnitude, maxMagnitude) and a random sign: kept off a kink or a decision boundary at 0.</summary>
    public static float[] AwayFromZero(Random random, int count, double minMagnitude, double maxMagnitude)
    {
        var values = Uniform(random, count, minMagnitude, maxMagnitude);
        for (var i = 0; i < count; i++)
        {
            if (random.Next(2) == 0)
            {
                values[i] = -values[i];
            }
        }
        return values;
    }

    /// <summary>Integers drawn uniformly from [low, high).</summary>
    public static int[] Integers(Random random, int count, int low, int high)
    {
        var values = new int[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = random.Next(low, high);
        }
        return values;
    }

    public static byte[] Bytes(Random random, int count)
    {
        var values = new byte[count];
        random.NextBytes(values);
        return values;
    }

    /// <summary>A shuffled 0 .. count-1.</summary>
    public static int[] Permutation(Random random, int count)
    {
        var values = Enumerable.Range(0, count).ToArray();
        random.Shuffle(values);
        return values;
    }

    public static float[] Repeat(float value, int count) => Enumerable.Repeat(value, count).ToArray();
}
