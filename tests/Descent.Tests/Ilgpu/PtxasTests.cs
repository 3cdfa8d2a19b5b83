using System.Globalization;
using System.Text.RegularExpressions;
using Descent.Kernels.Ilgpu;
using Descent.Tests.Data;
using Descent.Tests.Host;
using Xunit;
using Xunit.Abstractions;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// Every ILGPU kernel, as `descent check --ptx-out` writes its PTX, assembled by NVIDIA's ptxas for an H100/H200 (sm_90)
/// and an A100 (sm_80), as the driver does at a launch: what a GPU would run, checked on a machine without one.
/// ptxas says how many registers each kernel takes and whether anything spills to local memory (off-chip, and so
/// slow); nvdisasm shows the instructions of the register-blocked GEMM's main loop, where a training step spends its time.
/// </summary>
public sealed partial class PtxasTests(PtxasTests.Assembled assembled, ITestOutputHelper output) : IClassFixture<PtxasTests.Assembled>
{
    /// <summary>The architectures the PTX (ISA 7.8, .target sm_80) is assembled for: Hopper (H100, H200) and Ampere (A100).</summary>
    public static TheoryData<string> Architectures() => new() { "sm_90", "sm_80" };

    /// <summary>
    /// Registers a GEMM thread may take: at 256 threads a group, 128 registers leave room for two groups on one
    /// multiprocessor (64K registers), which the GEMM needs to hide one group's barrier behind the other's arithmetic.
    /// </summary>
    private const int GemmRegisterLimit = 128;

    [SkippableTheory]
    [MemberData(nameof(Architectures))]
    public void Every_kernel_assembles_without_spills_or_local_memory(string architecture)
    {
        var reports = assembled.Reports(architecture);

        Assert.Equal(IlgpuKernelCatalog.Kernels.Count, reports.Count);
        Assert.All(reports, report =>
        {
            Assert.True(report.Value.SpillStores == 0 && report.Value.SpillLoads == 0,
                $"{report.Key} spills on {architecture}: {report.Value.Text}");
            Assert.True(report.Value.StackFrame == 0 && report.Value.LocalMemory == 0,
                $"{report.Key} uses local memory on {architecture}: {report.Value.Text}");
            Assert.DoesNotContain(assembled.Sass(report.Key, architecture).Opcodes, opcode => opcode is "LDL" or "STL");
        });
    }

    [SkippableTheory]
    [MemberData(nameof(Architectures))]
    public void Every_gemm_fits_two_groups_of_256_threads_on_a_multiprocessor(string architecture)
    {
        var gemms = assembled.Reports(architecture).Where(report => report.Key.Contains("Gemm", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(gemms);
        foreach (var (name, report) in gemms)
        {
            output.WriteLine($"{architecture} {name}: {report.Registers} registers");
            Assert.True(report.Registers <= GemmRegisterLimit, $"{name} takes {report.Registers} registers on {architecture}");
        }
    }

    /// <summary>
    /// The share of FFMA among the SASS instructions of each register-blocks GEMM's main loop (the innermost loop with
    /// the most FFMAs): at least 75% for the 128 x 128 tiling a GPU's large products run, reported for every tiling.
    /// Before the tile sizes became constants and A and B were read four floats at a time, this loop was 117
    /// instructions on sm_90, 64 of them FFMA (54.7%).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Architectures))]
    public void Register_blocked_gemm_main_loop_is_mostly_ffma(string architecture)
    {
        foreach (var (kernel, tiling) in RegisterBlockKernels)
        {
            var loop = assembled.Sass(kernel, architecture).MainLoop();

            Assert.NotNull(loop);
            var ffma = loop.Count(opcode => opcode == "FFMA");
            var share = (double)ffma / loop.Count;
            output.WriteLine($"{architecture} {kernel} ({tiling.Tile}x{tiling.Tile}) main loop: {loop.Count} instructions, {ffma} FFMA " +
                $"({share:P1}): " + string.Join(' ', loop.GroupBy(opcode => opcode).OrderByDescending(group => group.Count())
                    .Select(group => $"{group.Key} {group.Count()}")));
            Assert.True(ffma >= 64, $"{kernel}'s main loop holds {ffma} FFMA, fewer than one k of a thread's 8 x 8 block");
            if (tiling == RegisterBlockTiling.Wide)
            {
                Assert.True(share >= 0.75, $"{kernel}'s main loop is {share:P1} FFMA on {architecture}");
            }
        }
    }

    /// <summary>
    /// Each register-blocks kernel fits the groups a multiprocessor is planned to hold (<see cref="RegisterBlockTiling.GroupsPerMultiprocessor"/>,
    /// which sizes its splits): its registers, allocated per warp, within a multiprocessor's 64K, and the shared memory
    /// its launch asks for (dynamic, so from the launch configuration, not from ptxas) within 48 KiB a group and 228 KiB
    /// a multiprocessor (Hopper; Ampere's A100 has 164 KiB).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Architectures))]
    public void Register_blocked_gemms_fit_their_planned_groups_per_multiprocessor(string architecture)
    {
        var sharedPerMultiprocessor = architecture == "sm_90" ? 228 * 1024 : 164 * 1024;
        foreach (var (kernel, tiling) in RegisterBlockKernels)
        {
            var report = assembled.Reports(architecture)[kernel];
            var warps = (tiling.Threads + 31) / 32;
            var registers = report.Registers * 32 * warps * tiling.GroupsPerMultiprocessor;
            var plan = RegisterBlockGemmPlan.WithTiling(1000, 1000, 1000, tiling, GemmDevice.H100);
            output.WriteLine($"{architecture} {kernel}: {report.Registers} registers, {tiling.Threads} threads, " +
                $"{tiling.GroupsPerMultiprocessor} groups a multiprocessor ({registers} of 65536 registers), {plan.SharedMemoryBytes} bytes of shared memory a group");
            Assert.True(registers <= 65536, $"{kernel}: {registers} registers for {tiling.GroupsPerMultiprocessor} groups");
            Assert.True(plan.SharedMemoryBytes <= GemmDevice.DefaultSharedMemoryPerGroup, $"{kernel}: {plan.SharedMemoryBytes} bytes a group");
            Assert.True(plan.SharedMemoryBytes * tiling.GroupsPerMultiprocessor <= sharedPerMultiprocessor,
                $"{kernel}: {plan.SharedMemoryBytes} bytes a group for {tiling.GroupsPerMultiprocessor} groups");
        }
    }

    /// <summary>Each register-blocks kernel by its catalogued name, with its tiling.</summary>
    private static IEnumerable<(string Kernel, RegisterBlockTiling Tiling)> RegisterBlockKernels =>
        RegisterBlockTiling.All.Select(tiling => (IlgpuKernelCatalog.Kernels
            .Single(kernel => kernel.Specialization.MaxNumThreadsPerGroup == tiling.Threads && kernel.Name.Contains("RegisterBlocks", StringComparison.Ordinal)).Name,
            tiling));

    /// <summary>What ptxas -v says of one kernel.</summary>
    public sealed record PtxasReport(int Registers, int SpillStores, int SpillLoads, int StackFrame, int LocalMemory, string Text)
    {
        public static PtxasReport Parse(string text) => new(
            Number(text, @"Used (\d+) registers"),
            Number(text, @"(\d+) bytes spill stores"),
            Number(text, @"(\d+) bytes spill loads"),
            Number(text, @"(\d+) bytes stack frame"),
            Number(text, @"(\d+) bytes lmem"),
            text.Trim());

        private static int Number(string text, string pattern) =>
            Regex.Matches(text, pattern).Sum(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The PTX of every kernel, written once by `descent check --ptx-out`, assembled once per architecture; or the reason
    /// it could not be (no ptxas), which each test turns into a skip, or a failure on CI.
    /// </summary>
    public sealed class Assembled : IDisposable
    {
        private readonly TemporaryFolder folder = new();
        private readonly Dictionary<string, Dictionary<string, PtxasReport>> reports = [];
        private readonly Dictionary<(string Kernel, string Architecture), SassListing> listings = [];
        private readonly CudaTools? tools;
        private readonly string? problem;

        public Assembled()
        {
            (tools, problem) = CudaTools.Find();
            var ptx = Path.Combine(folder.Path, "ptx");
            var written = CommandLine.Run("check", "--ptx-out", ptx);
            Assert.True(written.ExitCode == 0, written.Error);
        }

        public IReadOnlyDictionary<string, PtxasReport> Reports(string architecture)
        {
            var available = Tools();
            lock (reports)
            {
                if (!reports.TryGetValue(architecture, out var byKernel))
                {
                    byKernel = [];
                    foreach (var kernel in IlgpuKernelCatalog.Kernels)
                    {
                        var text = available.Assemble(Path.Combine(folder.Path, "ptx", kernel.Name + ".ptx"), architecture,
                            Cubin(kernel.Name, architecture));
                        byKernel[kernel.Name] = PtxasReport.Parse(text);
                    }
                    reports[architecture] = byKernel;
                }
                return byKernel;
            }
        }

        public SassListing Sass(string kernel, string architecture)
        {
            Reports(architecture);
            lock (listings)
            {
                if (!listings.TryGetValue((kernel, architecture), out var listing))
                {
                    listing = new SassListing(Tools().Disassemble(Cubin(kernel, architecture)));
                    listings[(kernel, architecture)] = listing;
                }
                return listing;
            }
        }

        public void Dispose() => folder.Dispose();

        private CudaTools Tools() => tools ?? throw CudaTools.Unavailable(problem!);

        private string Cubin(string kernel, string architecture) => Path.Combine(folder.Path, $"{kernel}.{architecture}.cubin");
    }
}
