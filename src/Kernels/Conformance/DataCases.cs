using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Batch gather (both normalisations, per-channel normalisation of three planes, a permuted order read from
/// an offset, a single item, items outside the dataset) and fill, against the reference.
/// </summary>
internal static class DataCases
{
    private const int Items = 20;
    private const int Features = 13;
    private const int Classes = 10;

    // MNIST's mean and standard deviation of a pixel scaled to 0..1: x' = (b / 255 - mean) / std.
    private const float PixelMean = 0.1307f;
    private const float PixelStd = 0.3081f;

    private const float UnitScale = 1f / 255f;
    private const float StandardScale = 1f / (255f * PixelStd);
    private const float StandardShift = -PixelMean / PixelStd;

    public static IEnumerable<ConformanceCase> Create()
    {
        yield return Gather("gather 1/255 start 0 count 8", start: 0, count: 8, Features, [UnitScale], [0f], outOfRange: false);
        yield return Gather("gather standardise start 5 count 12", start: 5, count: 12, Features, [StandardScale], [StandardShift],
            outOfRange: false);
        yield return Gather("gather 1/255 start 19 count 1", start: 19, count: 1, Features, [UnitScale], [0f], outOfRange: false);
        yield return Gather("gather item out of range", start: 3, count: 6, Features, [UnitScale], [0f], outOfRange: true);
        // Planes of 21 features: a vectorised backend's whole blocks and its tail both meet a channel boundary.
        yield return Gather("gather per channel 3x21 start 2 count 9", start: 2, count: 9, 3 * 21,
            [1f / (255f * 0.247f), 1f / (255f * 0.243f), 1f / (255f * 0.261f)], [-0.4914f / 0.247f, -0.4822f / 0.243f, -0.4465f / 0.261f],
            outOfRange: true);
        yield return Fill("fill range", length: 37, offset: 5, count: 20, value: 3.25f);
        yield return Fill("fill whole buffer", length: 37, offset: 0, count: 37, value: -0.5f);
    }

    /// <summary>
    /// The order is a permutation of the items; with <paramref name="outOfRange"/> two of the gathered
    /// entries point outside the dataset (-1 and Items), which must give zeros and label -1.
    /// The inputs buffer starts as NaN so that an element the backend fails to write shows. Each item is
    /// <paramref name="scales"/>.Length planes, each normalised with its own scale and shift.
    /// </summary>
    private static ConformanceCase Gather(string name, int start, int count, int features, float[] scales, float[] shifts,
        bool outOfRange) =>
        new(name, nameof(ComputeBackend.GatherBatch), backend =>
        {
            var random = SeededInputs.NewGenerator();
            var pixels = SeededInputs.Bytes(random, Items * features);
            var labels = SeededInputs.Integers(random, Items, 0, Classes);
            var order = SeededInputs.Permutation(random, Items);
            if (outOfRange)
            {
                order[start + 1] = -1;
                order[start + count - 1] = Items;
            }

            using var scope = new BufferScope(backend);
            var inputs = scope.Upload(SeededInputs.Repeat(float.NaN, count * features));
            var batchLabels = scope.Allocate<int>(count);
            backend.GatherBatch(scope.Upload(pixels), scope.Upload(labels), scope.Upload(order), start, count, features,
                scope.Upload<float>([.. scales, .. shifts]), scales.Length, inputs, batchLabels);

            var expectedInputs = new double[count * features];
            var expectedLabels = new int[count];
            ReferenceMath.GatherBatch(expectedInputs, expectedLabels, pixels, labels, order, start, count, features,
                Precision.Widen(scales), Precision.Widen(shifts));
            var comparison = new Comparison();
            comparison.Close("inputs", scope.Download(inputs), expectedInputs, Tolerances.Elementwise);
            comparison.Exact("batch labels", scope.Download(batchLabels), expectedLabels);
            return comparison.Result(name);
        });

    /// <summary>A fill writes its value exactly, and nothing outside its range.</summary>
    private static ConformanceCase Fill(string name, int length, int offset, int count, float value) =>
        new(name, nameof(ComputeBackend.Fill), backend =>
        {
            var before = SeededInputs.Uniform(SeededInputs.NewGenerator(), length, -1, 1);

            using var scope = new BufferScope(backend);
            var buffer = scope.Upload(before);
            backend.Fill(buffer, value, offset, count);

            var expected = Precision.Widen(before);
            ReferenceMath.Fill(expected, value, offset, count);
            var comparison = new Comparison();
            comparison.Exact("buffer", scope.Download(buffer), Precision.Narrow(expected));
            return comparison.Result(name);
        });
}
