using System.Text.RegularExpressions;
using Descent.Kernels;
using Descent.Kernels.Conformance;
using Descent.Kernels.Ilgpu;
using Descent.Tests.Host;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// The ILGPU kernels as a GPU launches them: the whole conformance suite on ILGPU's CPU accelerator
/// shaped like an NVIDIA device (warps of 32, 1024-thread groups, the 16 x 16 shared-memory GEMM tiles,
/// the 128 x 128 register-blocked ones, on Auto, and 256-thread losses), with ILGPU's assertions and
/// bounds checks on, on shapes no tile divides.
/// In a child process: an out-of-bounds access there aborts the whole process. Each group thread is an
/// OS thread there and each barrier a rendezvous of all of them: about a minute on a quiet machine.
/// </summary>
public sealed partial class GpuShapedKernelTests
{
    [Fact]
    public void The_gpu_shaped_cpu_accelerator_launches_what_a_gpu_launches()
    {
        using var backend = IlgpuBackend.CreateCpu(gpuShaped: true);

        Assert.Equal(16, backend.Shape.GemmTile);
        Assert.Equal(RegisterBlockTiling.All, backend.Shape.Gemm.Tilings);
        Assert.Equal(128, backend.Shape.Gemm.Tilings[0].Tile);
        Assert.Equal(256, backend.Shape.LossGroup);
        Assert.Equal(GemmAlgorithm.SharedMemoryRegisterBlocks, backend.Shape.AutoGemm);
        Assert.Equal(IlgpuLaunchShape.ForGpu(64, IlgpuDevices.GpuShapedGemmDevice), backend.Shape);
        Assert.Equal(32, IlgpuDevices.GpuShapedCpuDevice.WarpSize);
        Assert.Equal(1024, IlgpuDevices.GpuShapedCpuDevice.MaxNumThreadsPerGroup);
    }

    [Fact]
    public void Every_conformance_case_passes_at_gpu_shapes_in_a_process_of_its_own()
    {
        var outcome = DescentProcess.Run(new Dictionary<string, string>(), TimeSpan.FromMinutes(6),
            "check", "--backend", "ilgpu-cpu", "--gpu-shaped");

        Assert.True(outcome.ExitCode == 0, $"exit {outcome.ExitCode} (134 is an aborted process: an out-of-bounds access)\n" +
            $"{outcome.Output}\n{outcome.Error}");
        Assert.Contains("shaped like an NVIDIA GPU (warp 32, up to 1024 threads a group, 16 x 16 GEMM tiles)", outcome.Output);
        var summary = Summary().Match(outcome.Output);
        Assert.True(summary.Success, outcome.Output);
        Assert.Equal(ConformanceSuite.Cases.Count, int.Parse(summary.Groups[1].Value));
        Assert.Equal("0", summary.Groups[2].Value);
    }

    [Fact]
    public void Gpu_shaped_applies_to_the_ilgpu_cpu_backend_only()
    {
        var outcome = CommandLine.Run("check", "--backend", "cpu", "--gpu-shaped");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal("descent: error: --gpu-shaped applies to --backend ilgpu-cpu (device 0) only", outcome.ErrorLines.Single());
    }

    [GeneratedRegex(@"^(\d+) passed, (\d+) failed$", RegexOptions.Multiline)]
    private static partial Regex Summary();
}
