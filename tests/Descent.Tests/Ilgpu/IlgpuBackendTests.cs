using Descent.Kernels;
using Descent.Kernels.Ilgpu;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// The ILGPU backend's own contract on the CPU accelerator: devices and argument checks. Every op's
/// numbers are the conformance suite's job.
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
