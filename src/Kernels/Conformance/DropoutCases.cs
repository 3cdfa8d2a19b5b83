using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Dropout forward and backward against the reference, exactly: every backend must draw the same mask,
/// bit for bit (the same kept count at the same positions), from <see cref="DropoutMask"/>. Inputs stay
/// away from 0, so a kept element is never 0 and the mask shows in the output; the steps use seeds and
/// step numbers with the top bit set, where a signed or narrower integer in a port would show, and the
/// probabilities 0 (keep all), 0.25, 0.5 and 0.9. Both ops may work in place.
/// </summary>
internal static class DropoutCases
{
    public static readonly int[] Counts = [1, 37 * 53, 64 * 128 + 5];

    public static readonly DropoutStep[] Steps =
    [
        new(Probability: 0.25f, Seed: 1234, Stream: 1, Step: 7),
        new(Probability: 0.5f, Seed: 0x9E3779B9, Stream: 3, Step: 0xFFFFFFF0),
        new(Probability: 0f, Seed: 42, Stream: 0, Step: 1),
        new(Probability: 0.9f, Seed: 7, Stream: 0x80000002, Step: 100),
        // A rank's share of a batch: counters from an element other than 0, one set wrapping past 2^32.
        new(Probability: 0.25f, Seed: 1234, Stream: 1, Step: 7, FirstElement: 4093),
        new(Probability: 0.5f, Seed: 99, Stream: 2, Step: 3, FirstElement: 0xFFFFFF03),
    ];

    public static IEnumerable<ConformanceCase> Create()
    {
        foreach (var count in Counts)
        {
            foreach (var step in Steps)
            {
                var label = Label(step, count);
                var forwardName = $"dropout forward {label}";
                yield return new(forwardName, nameof(ComputeBackend.DropoutForward),
                    backend => Check(backend, forwardName, count, step, backward: false, inPlace: false));
                var backwardName = $"dropout backward {label}";
                yield return new(backwardName, nameof(ComputeBackend.DropoutBackward),
                    backend => Check(backend, backwardName, count, step, backward: true, inPlace: false));
            }
        }
        var inPlaceLabel = Label(Steps[0], Counts[1]);
        yield return new($"dropout forward in place {inPlaceLabel}", nameof(ComputeBackend.DropoutForward),
            backend => Check(backend, $"dropout forward in place {inPlaceLabel}", Counts[1], Steps[0], backward: false, inPlace: true));
        yield return new($"dropout backward in place {inPlaceLabel}", nameof(ComputeBackend.DropoutBackward),
            backend => Check(backend, $"dropout backward in place {inPlaceLabel}", Counts[1], Steps[0], backward: true, inPlace: true));
    }

    private static string Label(DropoutStep step, int count) =>
        FormattableString.Invariant($"{count} p{step.Probability} seed {step.Seed} stream {step.Stream} step {step.Step}") +
        (step.FirstElement == 0 ? "" : FormattableString.Invariant($" from element {step.FirstElement}"));

    /// <summary>Values in ±[0.05, 2).</summary>
    public static float[] Inputs(int count) => SeededInputs.AwayFromZero(SeededInputs.NewGenerator(), count, 0.05, 2);

    /// <summary>Runs the forward or the backward (the same mask applied to a gradient) on the backend.</summary>
    public static float[] OnBackend(ComputeBackend backend, int count, DropoutStep step, bool backward, bool inPlace)
    {
        using var scope = new BufferScope(backend);
        var input = scope.Upload(Inputs(count));
        var output = inPlace ? input : scope.Upload(SeededInputs.Repeat(float.NaN, count));
        if (backward)
        {
            backend.DropoutBackward(input, output, count, step);
        }
        else
        {
            backend.DropoutForward(input, output, count, step);
        }
        return scope.Download(output);
    }

    private static ConformanceResult Check(ComputeBackend backend, string name, int count, DropoutStep step, bool backward, bool inPlace)
    {
        var got = OnBackend(backend, count, step, backward, inPlace);
        var expected = new double[count];
        ReferenceMath.Dropout(expected, Precision.Widen(Inputs(count)), count, step);
        var comparison = new Comparison();
        comparison.Exact("kept", Array.ConvertAll(got, value => value != 0 ? 1f : 0f),
            Array.ConvertAll(expected, value => value != 0 ? 1f : 0f));
        // The reference's product, rounded to float, is the float product: exact, with -0 and +0 alike.
        comparison.Close("values", got, Precision.Widen(Precision.Narrow(expected)), Tolerance.Exact);
        return comparison.Result(name);
    }
}
