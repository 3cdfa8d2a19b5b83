using Descent.Kernels;
using Descent.Kernels.Vulkan;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>What the Vulkan backend promises beyond the conformance suite: batching, ordering, limits, device choice.</summary>
public sealed class VulkanBackendTests
{
    [SkippableFact]
    public void Ops_are_recorded_into_one_submission_until_someone_waits()
    {
        using var backend = VulkanAvailability.CreateValidated();
        using var x = backend.Allocate<float>(64);
        backend.Synchronize();

        for (var i = 0; i < 10; i++)
        {
            backend.Fill(x, i, 0, 64);
            backend.ActivationForward(Activation.Relu, x, x, 64);
        }

        Assert.Equal(20, backend.PendingCommands);
        backend.Synchronize();
        Assert.Equal(0, backend.PendingCommands);
        Assert.Empty(backend.ValidationMessages);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_upload_after_queued_ops_lands_after_them_and_before_later_ones(bool mapDeviceMemory)
    {
        using var backend = VulkanAvailability.CreateValidated(mapDeviceMemory);
        using var x = backend.Allocate<float>(4);
        using var y = backend.Allocate<float>(4);
        var first = new float[] { 1, -2, 3, -4 };
        var second = new float[] { -5, 6, -7, 8 };

        backend.Upload<float>(x, first);
        backend.ActivationForward(Activation.Relu, x, y, 4);
        var afterFirst = new float[4];
        backend.Upload<float>(x, second);
        backend.Download<float>(y, afterFirst);
        backend.ActivationForward(Activation.Relu, x, y, 4);
        var afterSecond = new float[4];
        backend.Download<float>(y, afterSecond);

        Assert.Equal([1f, 0f, 3f, 0f], afterFirst);
        Assert.Equal([0f, 6f, 0f, 8f], afterSecond);
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>
    /// The divergence check's flag, tested on the loss's bits: binary cross-entropy with target 1 is NaN at
    /// a NaN logit and +infinity at a logit of -infinity, and finite elsewhere.
    /// </summary>
    [SkippableTheory]
    [InlineData(0.25f, 0f)]
    [InlineData(float.NaN, 1f)]
    [InlineData(float.NegativeInfinity, 1f)]
    public void A_loss_that_is_not_finite_raises_the_flag(float logit, float flag)
    {
        using var backend = VulkanAvailability.CreateValidated();
        using var logits = backend.Allocate<float>(2);
        using var targets = backend.Allocate<int>(2);
        using var dLogits = backend.Allocate<float>(2);
        using var rowStats = backend.Allocate<float>(4);
        using var metrics = backend.Allocate<float>(MetricSlot.Width);
        backend.Upload<float>(logits, [0.5f, logit]);
        backend.Upload<int>(targets, [1, 1]);

        backend.BinaryLossForwardBackward(BinaryLoss.BinaryCrossEntropy, logits, targets, dLogits, rowStats, metrics, 0, 2);
        var slot = new float[MetricSlot.Width];
        backend.Download<float>(metrics, slot);

        Assert.Equal(flag, slot[MetricSlot.NonFinite]);
        Assert.Empty(backend.ValidationMessages);
    }

    /// <summary>NaN is kept where the shaders promise it, through their bit tests: ReLU passes it on.</summary>
    [SkippableFact]
    public void A_nan_survives_relu()
    {
        using var backend = VulkanAvailability.CreateValidated();
        using var x = backend.Allocate<float>(4);
        using var y = backend.Allocate<float>(4);
        backend.Upload<float>(x, [float.NaN, -1f, 2f, -0f]);

        backend.ActivationForward(Activation.Relu, x, y, 4);
        var relu = new float[4];
        backend.Download<float>(y, relu);

        Assert.True(float.IsNaN(relu[0]));
        Assert.Equal([0f, 2f, -0f], relu[1..]);
        Assert.Empty(backend.ValidationMessages);
    }

    [SkippableFact]
    public void A_transfer_larger_than_the_staging_area_goes_through_it_in_pieces()
    {
        using var backend = VulkanAvailability.CreateValidated(mapDeviceMemory: false);
        var length = (int)(2 * StagingArea.MaxBytes / sizeof(float)) + 1000;
        var values = Enumerable.Range(0, length).Select(i => (float)i).ToArray();
        using var x = backend.Allocate<float>(length);
        var back = new float[length];

        backend.Upload<float>(x, values);
        backend.ActivationForward(Activation.Relu, x, x, length);
        backend.Download<float>(x, back);

        Assert.Equal(values, back);
        Assert.Empty(backend.ValidationMessages);
    }

    [SkippableFact]
    public void An_activation_or_loss_beyond_the_enum_is_refused_before_anything_is_recorded()
    {
        using var backend = VulkanAvailability.CreateValidated();
        using var x = backend.Allocate<float>(4);
        using var targets = backend.Allocate<int>(4);
        using var rowStats = backend.Allocate<float>(8);
        using var metrics = backend.Allocate<float>(3);
        backend.Synchronize();

        // The first number past the enum's members: members are only ever appended.
        var beyond = Enum.GetValues<Activation>().Length;
        var activation = Assert.Throws<InvalidInputException>(() => backend.ActivationForward((Activation)beyond, x, x, 4));
        var negative = Assert.Throws<InvalidInputException>(() => backend.ActivationBackward((Activation)(-1), x, x, x, 4));
        var loss = Assert.Throws<InvalidInputException>(
            () => backend.BinaryLossForwardBackward((BinaryLoss)3, x, targets, x, rowStats, metrics, 0, 4));

        Assert.Equal($"unknown activation {beyond}", activation.Message);
        Assert.Equal("unknown activation -1", negative.Message);
        Assert.Equal("unknown binary loss 3", loss.Message);
        Assert.Equal(0, backend.PendingCommands);
    }

    [SkippableFact]
    public void A_buffer_larger_than_the_device_can_bind_is_refused_up_front()
    {
        using var backend = VulkanAvailability.CreateValidated();

        // 2^29 floats = 2 GiB: beyond lavapipe's 128 MiB and most GPUs' storage-buffer range.
        var error = Assert.Throws<InvalidInputException>(() => backend.Allocate<float>(1 << 29));

        Assert.Contains("largest storage buffer", error.Message);
    }

    [Fact]
    public void Listing_devices_never_throws_and_names_their_kind()
    {
        var devices = VulkanBackend.ListDevices();

        Assert.All(devices, device =>
        {
            Assert.Equal(Backends.VulkanName, device.Backend);
            Assert.Contains(device.Kind, new[] { "discrete-gpu", "integrated-gpu", "virtual-gpu", "cpu", "other" });
        });
        Assert.Equal(Enumerable.Range(0, devices.Count), devices.Select(device => device.Index));
    }

    /// <summary>
    /// A GPU's name carries its PCI address as CUDA's device list writes it (0000:65:00.0), so `--device N` can be matched
    /// across the two backends; lavapipe, no PCI device and without VK_EXT_pci_bus_info, shows none.
    /// </summary>
    [Fact]
    public void A_pci_address_is_written_as_cuda_writes_it_and_only_for_a_device_that_has_one()
    {
        Assert.Equal("0000:65:00.0", PhysicalDeviceChoice.PciAddressText(0, 0x65, 0, 0));
        Assert.Equal("0001:A3:1F.7", PhysicalDeviceChoice.PciAddressText(1, 0xa3, 0x1f, 7));
        foreach (var device in VulkanBackend.ListDevices())
        {
            var address = System.Text.RegularExpressions.Regex.Match(device.Name, @"\(PCI ([0-9A-F]{4}:[0-9A-F]{2}:[0-9A-F]{2}\.[0-7])\)$");
            Assert.False(device.Kind == "cpu" && device.Name.Contains("PCI"), $"{device.Name}: a CPU device has no PCI address");
            Assert.True(!device.Name.Contains("PCI") || address.Success, $"{device.Name}: a PCI address as 0000:65:00.0");
        }
    }

    [Fact]
    public void Auto_never_picks_a_software_vulkan_device()
    {
        using var backend = Backends.Create(Backends.Auto);

        Assert.False(backend.Name == Backends.VulkanName && VulkanBackend.ListDevices()[0].Kind == "cpu");
    }

    [Fact]
    public void A_device_index_past_the_last_is_reported_as_unavailable()
    {
        var error = Assert.Throws<DeviceUnavailableException>(() => VulkanBackend.Create(deviceIndex: 99));

        // Without a loader the error names the missing loader instead.
        if (VulkanBackend.ListDevices().Count > 0)
        {
            Assert.Contains("device 99 does not exist", error.Message);
        }
    }
}
