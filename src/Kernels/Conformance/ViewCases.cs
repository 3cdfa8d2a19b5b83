using Descent.Kernels.Reference;

namespace Descent.Kernels.Conformance;

/// <summary>
/// Ops on views (<see cref="ComputeBackend.Slice{T}"/>): parts of one buffer at aligned offsets, as a
/// model's parameters and gradients are. Each op must read and write exactly its view: the elements
/// around the views are filled with a guard value that must come back untouched.
/// </summary>
internal static class ViewCases
{
    private const float Guard = -7.25f;

    public static IEnumerable<ConformanceCase> Create()
    {
        yield return new("view gemm into a view of a view", nameof(ComputeBackend.Gemm), Gemm);
        yield return new("view sgd over views of one buffer", nameof(ComputeBackend.SgdUpdate), Sgd);
        yield return new("view upload, fill and download", nameof(ComputeBackend.Fill), UploadFillDownload);
    }

    /// <summary>C (37 x 29) = A B with A, B and C all views; C is a view of a view, two alignments into the buffer.</summary>
    private static ConformanceResult Gemm(ComputeBackend backend)
    {
        const int m = 37, k = 53, n = 29;
        var alignment = backend.ViewAlignment;
        var random = SeededInputs.NewGenerator();
        var a = SeededInputs.Uniform(random, m * k, -1, 1);
        var b = SeededInputs.Uniform(random, k * n, -1, 1);
        var aStart = alignment;
        var bStart = Aligned(aStart + a.Length, alignment);
        var cStart = Aligned(bStart + b.Length, alignment) + alignment;
        var total = cStart + m * n + alignment;

        using var scope = new BufferScope(backend);
        var whole = scope.Upload(SeededInputs.Repeat(Guard, total));
        var aView = backend.Slice(whole, aStart, a.Length);
        var bView = backend.Slice(whole, bStart, b.Length);
        var outer = backend.Slice(whole, cStart - alignment, m * n + alignment);
        var cView = backend.Slice(outer, alignment, m * n);
        backend.Upload<float>(aView, a);
        backend.Upload<float>(bView, b);
        backend.Gemm(false, false, m, n, k, 1f, aView, bView, 0f, cView);

        var expected = new double[m * n];
        ReferenceMath.Gemm(expected, Precision.Widen(a), Precision.Widen(b), m, n, k, false, false, 1, 0);
        var all = scope.Download(whole);
        var comparison = new Comparison();
        comparison.Close("C", all.AsSpan(cStart, m * n), expected, Tolerances.Gemm(k));
        comparison.Exact("A, read only", all.AsSpan(aStart, a.Length), a);
        comparison.Exact("B, read only", all.AsSpan(bStart, b.Length), b);
        var around = Outside(all, (aStart, a.Length), (bStart, b.Length), (cStart, m * n));
        comparison.Exact("around the views", around, SeededInputs.Repeat(Guard, around.Length));
        return comparison.Result("view gemm into a view of a view");
    }

    /// <summary>One SGD update over two parameters laid out in one buffer, updated through views, against the reference.</summary>
    private static ConformanceResult Sgd(ComputeBackend backend)
    {
        var alignment = backend.ViewAlignment;
        var random = SeededInputs.NewGenerator();
        var first = SeededInputs.Uniform(random, 37, -1, 1);
        var second = SeededInputs.Uniform(random, 53, -1, 1);
        var gradient = SeededInputs.Uniform(random, 53, -1, 1);
        var secondStart = Aligned(first.Length, alignment);
        var total = secondStart + second.Length + 3;

        using var scope = new BufferScope(backend);
        var values = scope.Upload(SeededInputs.Repeat(Guard, total));
        var gradients = scope.Upload(SeededInputs.Repeat(Guard, total));
        var velocity = scope.Upload(SeededInputs.Repeat(Guard, total));
        backend.Upload<float>(backend.Slice(values, 0, first.Length), first);
        backend.Upload<float>(backend.Slice(values, secondStart, second.Length), second);
        backend.Upload<float>(backend.Slice(gradients, secondStart, second.Length), gradient);
        backend.Fill(backend.Slice(velocity, secondStart, second.Length), 0f, 0, second.Length);
        backend.SgdUpdate(backend.Slice(values, secondStart, second.Length), backend.Slice(gradients, secondStart, second.Length),
            backend.Slice(velocity, secondStart, second.Length), second.Length, 0.1f, 0.9f, 0.01f, false);

        var expectedSecond = Precision.Widen(second);
        ReferenceMath.SgdUpdate(expectedSecond, new double[second.Length], Precision.Widen(gradient), second.Length, 0.1f, 0.9f, 0.01f, false);
        var all = scope.Download(values);
        var comparison = new Comparison();
        comparison.Close("second parameter", all.AsSpan(secondStart, second.Length), expectedSecond, Tolerances.Elementwise);
        comparison.Exact("first parameter, untouched", all[..first.Length], first);
        comparison.Exact("after the views", all[(secondStart + second.Length)..], SeededInputs.Repeat(Guard, 3));
        return comparison.Result("view sgd over views of one buffer");
    }

    /// <summary>Upload, fill and download through a view reach only the view's elements.</summary>
    private static ConformanceResult UploadFillDownload(ComputeBackend backend)
    {
        var alignment = backend.ViewAlignment;
        var length = alignment + 5;
        using var scope = new BufferScope(backend);
        var whole = scope.Upload(SeededInputs.Repeat(Guard, 3 * alignment + 5 + alignment));
        var view = backend.Slice(whole, 2 * alignment, length);
        backend.Upload<float>(view, Enumerable.Range(0, length).Select(i => (float)i).ToArray());
        backend.Fill(view, 9f, 1, 2);
        var throughView = new float[length - 1];
        backend.Download<float>(view, throughView, offset: 1);

        var expectedView = Enumerable.Range(0, length).Select(i => i is 1 or 2 ? 9f : i).ToArray();
        var all = scope.Download(whole);
        var comparison = new Comparison();
        comparison.Exact("view", all.AsSpan(2 * alignment, length).ToArray(), expectedView);
        comparison.Exact("downloaded through the view", throughView, expectedView[1..]);
        comparison.Exact("before the view", all[..(2 * alignment)], SeededInputs.Repeat(Guard, 2 * alignment));
        comparison.Exact("after the view", all[(2 * alignment + length)..], SeededInputs.Repeat(Guard, all.Length - 2 * alignment - length));
        return comparison.Result("view upload, fill and download");
    }

    private static int Aligned(int index, int alignment) => (index + alignment - 1) / alignment * alignment;

    /// <summary>The elements outside every given range, in order.</summary>
    private static float[] Outside(float[] values, params (int Start, int Length)[] ranges) =>
        values.Where((_, i) => !ranges.Any(range => i >= range.Start && i < range.Start + range.Length)).ToArray();
}
