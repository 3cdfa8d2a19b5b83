using Descent.Kernels;
using Descent.Kernels.Conformance;
using Descent.Kernels.Cpu;
using Descent.Kernels.Ilgpu;
using Descent.Kernels.Planning;
using Descent.Kernels.Reference;
using Descent.Kernels.Vulkan;
using Descent.Tests.Vulkan;
using Xunit;

namespace Descent.Tests.Planning;

/// <summary>
/// The counting backend records what a run asks of a device, and each real backend's scratch declaration
/// is what that backend then allocates, so a plan made on the one holds on the other.
/// </summary>
public sealed class CountingBackendTests
{
    /// <summary>im2col is not the identity (3 x 3, padding 1), and the batch exceeds the cpu backend's two threads.</summary>
    private static readonly Conv2dShape Small = new(Batch: 3, InChannels: 2, Height: 7, Width: 6, OutChannels: 3,
        KernelHeight: 3, KernelWidth: 3, Stride: 1, Padding: 1);

    /// <summary>A 1 x 1 convolution, whose lowering the cpu backend skips: scratch only for the input gradient.</summary>
    private static readonly Conv2dShape Pointwise = new(Batch: 2, InChannels: 4, Height: 5, Width: 5, OutChannels: 3,
        KernelHeight: 1, KernelWidth: 1, Stride: 1, Padding: 0);

    [Fact]
    public void Every_allocation_is_recorded_in_order_and_releases_lower_the_live_bytes_but_not_the_peak()
    {
        using var device = new ReferenceBackend();
        using var counting = CountingBackend.Create(device);

        var floats = counting.Allocate<float>(10);
        using var ints = counting.Allocate<int>(3);
        floats.Dispose();
        using var bytes = counting.Allocate<byte>(7);
        counting.Slice(ints, 0, 2).Dispose();

        Assert.Equal(
            [new AllocationRequest(typeof(float), 10), new AllocationRequest(typeof(int), 3), new AllocationRequest(typeof(byte), 7)],
            counting.Requests);
        Assert.Equal(12 + 7, counting.LiveBytes);
        Assert.Equal(40 + 12, counting.PeakBytes);
    }

    [Fact]
    public void It_reports_the_real_backends_limits_and_checks_arguments_as_any_backend_does()
    {
        using var device = new CpuBackend(threads: 2);
        using var counting = CountingBackend.Create(device);

        Assert.Equal(device.Name, counting.Name);
        Assert.Equal(device.DeviceDescription, counting.DeviceDescription);
        Assert.Equal(device.MaxBufferBytes, counting.MaxBufferBytes);
        Assert.Equal(device.MaxBufferElements, counting.MaxBufferElements);
        Assert.Equal(device.ViewAlignment, counting.ViewAlignment);
        Assert.Equal(device.GemmAlgorithms, counting.GemmAlgorithms);
        Assert.Equal(device.Memory.Where, counting.Memory.Where);
        using var a = counting.Allocate<float>(6);
        Assert.Throws<InvalidInputException>(() => counting.Gemm(false, false, 2, 4, 3, 1f, a, a, 0f, a));
        Assert.Throws<InvalidInputException>(() => counting.Allocate<float>(device.MaxBufferElements + 1));
    }

    [Fact]
    public void Ops_do_nothing_and_downloads_read_zeros()
    {
        using var device = new ReferenceBackend();
        using var counting = CountingBackend.Create(device);
        using var buffer = counting.Allocate<float>(4);

        counting.Upload<float>(buffer, [1f, 2f, 3f, 4f]);
        counting.Fill(buffer, 5f, 0, 4);
        counting.Add(buffer, buffer, buffer, 4);
        var values = new float[] { 9f, 9f, 9f, 9f };
        counting.Download<float>(buffer, values);

        Assert.Equal(new float[4], values);
        Assert.Single(counting.Requests);
        Assert.Empty(counting.Scratch);
    }

    [Fact]
    public void A_convolution_holds_the_scratch_its_device_declares_per_slot_at_the_largest_need_and_the_peak_counts_it()
    {
        using var device = new CpuBackend(threads: 2);
        using var counting = CountingBackend.Create(device);
        using var x = counting.Allocate<float>((int)Small.InputLength);
        using var weight = counting.Allocate<float>((int)Small.WeightLength);
        using var bias = counting.Allocate<float>(Small.OutChannels);
        using var y = counting.Allocate<float>((int)Small.OutputLength);
        var buffers = (Small.InputLength + Small.WeightLength + Small.OutChannels + Small.OutputLength) * sizeof(float);

        counting.Conv2dForward(x, weight, bias, y, Small, Activation.Relu);
        var forward = device.ConvolutionScratch(ConvolutionPass.Forward, Small);
        Assert.Equal(forward, counting.Scratch);
        counting.Conv2dBackwardWeight(y, x, weight, bias, Small);

        var expected = Largest(device, (ConvolutionPass.Forward, Small), (ConvolutionPass.BackwardWeight, Small));
        Assert.Equal(expected, counting.Scratch.ToDictionary(need => need.Slot, need => need.Elements));
        Assert.Contains("weight partials", expected.Keys);
        Assert.Equal(expected.Values.Sum() * sizeof(float), counting.ScratchBytes);
        Assert.Equal(buffers, counting.LiveBytes);
        Assert.Equal(buffers + counting.ScratchBytes, counting.PeakBytes);
    }

    [Fact]
    public void The_reference_backend_declares_no_scratch()
    {
        using var backend = new ReferenceBackend();

        Assert.All(Enum.GetValues<ConvolutionPass>(), pass => Assert.Empty(backend.ConvolutionScratch(pass, Small)));
        Assert.Throws<InvalidInputException>(() => backend.ConvolutionScratch(ConvolutionPass.Forward, Small with { Padding = -1 }));
    }

    [Fact]
    public void The_cpu_backend_allocates_the_scratch_it_declares()
    {
        using var backend = new CpuBackend(threads: 2);

        AssertHeldAsDeclared(backend, () => backend.HeldScratch, Pointwise);
        AssertHeldAsDeclared(backend, () => backend.HeldScratch, Small, ConvolutionCases.Large);
    }

    [Fact]
    public void The_ilgpu_backend_allocates_the_scratch_it_declares_whole_and_in_slices()
    {
        using var backend = IlgpuBackend.CreateCpu();
        AssertHeldAsDeclared(backend, () => backend.HeldScratch, Small, Pointwise);

        using var sliced = IlgpuBackend.CreateCpu();
        // One sample's matrices and no more: every op runs a slice per sample.
        sliced.MaxColumnElements = (long)Small.OutHeight * Small.OutWidth * Small.InChannels * Small.KernelHeight * Small.KernelWidth;
        AssertHeldAsDeclared(sliced, () => sliced.HeldScratch, Small);
    }

    /// <summary>Declared only: the GPU-shaped accelerator splits the weight gradient's GEMM, whose partials are a slot of their own.</summary>
    [Fact]
    public void A_gpu_shaped_ilgpu_backend_declares_the_split_partials_of_the_weight_gradient()
    {
        using var backend = IlgpuBackend.CreateCpu(gpuShaped: true);

        Assert.Contains(backend.ConvolutionScratch(ConvolutionPass.BackwardWeight, ConvolutionCases.Large),
            need => need.Slot == "split partials" && need.Elements > 0);
        Assert.DoesNotContain(backend.ConvolutionScratch(ConvolutionPass.Forward, ConvolutionCases.Large),
            need => need.Slot == "split partials");
    }

    [SkippableFact]
    public void The_vulkan_backend_allocates_the_scratch_it_declares_whole_and_in_chunks()
    {
        using var backend = VulkanAvailability.CreateValidated();
        AssertHeldAsDeclared(backend, () => backend.HeldScratch, Small, Pointwise);

        using var chunked = VulkanAvailability.CreateValidated();
        var rowLength = Small.InChannels * Small.KernelHeight * Small.KernelWidth + 1;
        chunked.ScratchBytesLimit = (long)rowLength * (Small.OutHeight * Small.OutWidth + Small.OutChannels) * sizeof(float);
        AssertHeldAsDeclared(chunked, () => chunked.HeldScratch, Small);
    }

    /// <summary>
    /// A GEMM or linear forward that splits K on a GPU-shaped device keeps its partial sums in a slot of its own, declared
    /// by <see cref="ComputeBackend.GemmScratch"/>, held at the largest declared, and recorded by a counting backend.
    /// </summary>
    [Fact]
    public void The_gpu_shaped_ilgpu_backend_holds_the_gemm_split_partials_it_declares()
    {
        using var backend = IlgpuBackend.CreateCpu(gpuShaped: true);

        AssertGemmScratchHeldAsDeclared(backend, () => backend.HeldScratch);
    }

    [SkippableFact]
    public void The_vulkan_backend_holds_the_gemm_split_partials_it_declares()
    {
        using var backend = VulkanAvailability.CreateValidated();
        // The GEMM a GPU's Auto picks, whose small products split K over lavapipe's threads.
        backend.UseAutoGemm(GemmAlgorithm.SharedMemoryRegisterBlocks);

        AssertGemmScratchHeldAsDeclared(backend, () => backend.HeldScratch);
        Assert.Empty(backend.ValidationMessages);
    }

    [Fact]
    public void A_backend_whose_gemms_never_split_declares_no_gemm_scratch()
    {
        using var backend = new CpuBackend(threads: 2);

        Assert.Empty(backend.GemmScratch(8, 8, 4096));
        Assert.Throws<InvalidInputException>(() => backend.GemmScratch(8, 0, 16));
    }

    /// <summary>A GEMM and a linear forward that each split K (one tile, deep K), then a larger split: held is the largest declared.</summary>
    private static void AssertGemmScratchHeldAsDeclared(ComputeBackend backend, Func<IReadOnlyList<ScratchNeed>> held)
    {
        const int Rows = 8, Inputs = 64, Outputs = 8;
        using var x = backend.Allocate<float>(Rows * Inputs);
        using var weight = backend.Allocate<float>(Outputs * Inputs);
        using var bias = backend.Allocate<float>(Outputs);
        using var y = backend.Allocate<float>(Rows * Outputs);
        foreach (var buffer in new[] { x, weight, bias })
        {
            backend.Fill(buffer, 0.5f, 0, buffer.Length);
        }
        backend.Gemm(false, true, Rows, Outputs, Inputs / 2, 1f, x, weight, 0f, y);
        backend.LinearForward(x, weight, bias, y, Rows, Inputs, Outputs, Activation.Relu);
        backend.Synchronize();

        var declared = backend.GemmScratch(Rows, Outputs, Inputs / 2).Concat(backend.GemmScratch(Rows, Outputs, Inputs))
            .GroupBy(need => need.Slot)
            .ToDictionary(slot => slot.Key, slot => slot.Max(need => need.Elements));
        Assert.Equal(["gemm split partials"], declared.Keys);
        Assert.Equal(declared, held().Where(need => need.Slot == "gemm split partials").ToDictionary(need => need.Slot, need => need.Elements));

        using var counting = CountingBackend.Create(backend);
        using var countedX = counting.Allocate<float>(Rows * Inputs);
        using var countedWeight = counting.Allocate<float>(Outputs * Inputs);
        using var countedBias = counting.Allocate<float>(Outputs);
        using var countedY = counting.Allocate<float>(Rows * Outputs);
        counting.LinearForward(countedX, countedWeight, countedBias, countedY, Rows, Inputs, Outputs, Activation.Relu);
        Assert.Equal(backend.GemmScratch(Rows, Outputs, Inputs), counting.Scratch);
    }

    /// <summary>
    /// Runs every pass on each shape in turn, then compares what the backend holds, slot by slot, with the largest
    /// need its declarations gave each slot.
    /// </summary>
    private static void AssertHeldAsDeclared(ComputeBackend backend, Func<IReadOnlyList<ScratchNeed>> held, params Conv2dShape[] shapes)
    {
        foreach (var shape in shapes)
        {
            ConvolutionCases.ForwardOnBackend(backend, shape, Activation.Relu);
            ConvolutionCases.BackwardInputOnBackend(backend, shape);
            ConvolutionCases.BackwardWeightOnBackend(backend, shape);
        }
        backend.Synchronize();

        var declared = Largest(backend, shapes.SelectMany(shape => Enum.GetValues<ConvolutionPass>().Select(pass => (pass, shape))).ToArray());
        Assert.NotEmpty(declared);
        Assert.Equal(declared, held().ToDictionary(need => need.Slot, need => need.Elements));
    }

    private static Dictionary<string, long> Largest(ComputeBackend backend, params (ConvolutionPass Pass, Conv2dShape Shape)[] runs) =>
        runs.SelectMany(run => backend.ConvolutionScratch(run.Pass, run.Shape))
            .GroupBy(need => need.Slot)
            .ToDictionary(slot => slot.Key, slot => slot.Max(need => need.Elements));
}
