using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// The ILGPU backend's own contract on the CPU accelerator: devices, argument checks and a quick GEMM
/// check. Every op's numbers are the conformance suite's job.
/// </summary>
public sealed class IlgpuBackendTests : IDisposable
{
    private readonly IlgpuBackend backend = IlgpuBackend.CreateCpu();

    public void Dispose() => backend.Dispose();

    [Fact]
    public void ListDevicesIncludesTheCpuAccelerator()
    {
        var devices = IlgpuBackend.ListDevices();

        Assert.Contains(devices, device => device is { Backend: "ilgpu-cpu", Kind: "cpu", Index: 0 });
        Assert.All(devices.Where(device => device.Backend == "cuda"), device => Assert.Equal("gpu", device.Kind));
        Assert.Equal(IlgpuBackend.CudaAvailable, devices.Any(device => device.Backend == "cuda"));
    }

    [Fact]
    public void CpuBackendDescribesItself()
    {
        Assert.Equal("ilgpu-cpu", backend.Name);
        Assert.StartsWith("ILGPU CPU accelerator", backend.DeviceDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateCudaWithAMissingDeviceThrowsDeviceUnavailable()
    {
        var missing = IlgpuBackend.ListDevices().Count(device => device.Backend == "cuda");

        Assert.Throws<DeviceUnavailableException>(() => IlgpuBackend.CreateCuda(missing));
        Assert.Throws<DeviceUnavailableException>(() => IlgpuBackend.CreateCuda(-1));
    }

    [Fact]
    public void UndersizedBufferThrowsInsteadOfAbortingTheProcess()
    {
        using var a = backend.Allocate<float>(6);
        using var b = backend.Allocate<float>(6);
        using var c = backend.Allocate<float>(3);
        using var small = backend.Allocate<float>(5);

        Assert.Throws<InvalidInputException>(() => backend.Gemm(false, false, 2, 2, 3, 1f, a, b, 0f, c));
        Assert.Throws<InvalidInputException>(() => backend.ActivationForward(Activation.Relu, a, small, 6));
        Assert.Throws<InvalidInputException>(() => backend.Upload<float>(small, new float[6]));
        // The backend still works after refusing those calls.
        backend.Fill(small, 2f, 0, 5);
        var result = new float[5];
        backend.Download(small, result);
        Assert.All(result, value => Assert.Equal(2f, value));
    }

    [Fact]
    public void UndefinedActivationOrLossThrowsBeforeALaunch()
    {
        using var values = Upload([-1f, 0.5f, 2f]);
        using var targets = backend.Allocate<int>(3);
        using var gradients = backend.Allocate<float>(3);
        using var rowStats = backend.Allocate<float>(6);
        using var metrics = backend.Allocate<float>(MetricSlot.Width);
        var pastTheLast = Enum.GetValues<Activation>().Length;
        var pastTheLastLoss = Enum.GetValues<BinaryLoss>().Length;
        var launches = backend.Launches;

        Assert.Throws<InvalidInputException>(() => backend.ActivationForward((Activation)pastTheLast, values, values, 3));
        Assert.Throws<InvalidInputException>(() => backend.ActivationForward((Activation)(-1), values, values, 3));
        Assert.Throws<InvalidInputException>(() => backend.ActivationBackward((Activation)pastTheLast, values, values, values, 3));
        Assert.Throws<InvalidInputException>(() =>
            backend.BinaryLossForwardBackward((BinaryLoss)pastTheLastLoss, values, targets, gradients, rowStats, metrics, 0, 3));
        Assert.Throws<InvalidInputException>(() =>
            backend.BinaryLossForwardBackward((BinaryLoss)(-1), values, targets, gradients, rowStats, metrics, 0, 3));
        // Nothing was launched: the values are untouched, and the backend still works.
        Assert.Equal(launches, backend.Launches);
        Assert.Equal([-1f, 0.5f, 2f], Download(values, 3));
        backend.ActivationForward(Activation.Relu, values, values, 3);
        Assert.Equal([0f, 0.5f, 2f], Download(values, 3));
    }

    public static TheoryData<bool, bool, GemmAlgorithm> GemmCases()
    {
        var cases = new TheoryData<bool, bool, GemmAlgorithm>();
        GemmAlgorithm[] algorithms =
            [GemmAlgorithm.Naive, GemmAlgorithm.SharedMemoryTiles, GemmAlgorithm.SharedMemoryRegisterBlocks, GemmAlgorithm.Auto];
        foreach (var algorithm in algorithms)
        {
            foreach (var transposeA in new[] { false, true })
            {
                foreach (var transposeB in new[] { false, true })
                {
                    cases.Add(transposeA, transposeB, algorithm);
                }
            }
        }
        return cases;
    }

    /// <summary>C (3,5) = 2 op(A) op(B) + 0.5 C with K = 4 against a hand loop, and beta 0 ignoring a NaN C.</summary>
    [Theory]
    [MemberData(nameof(GemmCases))]
    public void GemmMatchesAHandLoop(bool transposeA, bool transposeB, GemmAlgorithm algorithm)
    {
        const int m = 3, n = 5, k = 4;
        var aValues = Sequence(m * k, 0.25f);
        var bValues = Sequence(k * n, -0.5f);
        var cValues = Sequence(m * n, 1f);
        using var a = Upload(aValues);
        using var b = Upload(bValues);
        using var c = Upload(cValues);
        using var overwritten = Upload(Enumerable.Repeat(float.NaN, m * n).ToArray());

        backend.Gemm(transposeA, transposeB, m, n, k, 2f, a, b, 0.5f, c, algorithm);
        backend.Gemm(transposeA, transposeB, m, n, k, 2f, a, b, 0f, overwritten, algorithm);

        var accumulated = Download(c, m * n);
        var fresh = Download(overwritten, m * n);
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    var aValue = transposeA ? aValues[p * m + row] : aValues[row * k + p];
                    var bValue = transposeB ? bValues[col * k + p] : bValues[p * n + col];
                    sum += aValue * bValue;
                }
                var index = row * n + col;
                Assert.Equal(2 * sum + 0.5 * cValues[index], accumulated[index], 1e-4);
                Assert.Equal(2 * sum, fresh[index], 1e-4);
            }
        }
    }

    private static float[] Sequence(int count, float start)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = start + 0.375f * i - 0.0625f * i * i;
        }
        return values;
    }

    private DeviceBuffer<float> Upload(float[] values)
    {
        var buffer = backend.Allocate<float>(values.Length);
        backend.Upload<float>(buffer, values);
        return buffer;
    }

    private float[] Download(DeviceBuffer<float> buffer, int count)
    {
        var values = new float[count];
        backend.Download<float>(buffer, values);
        return values;
    }
}
