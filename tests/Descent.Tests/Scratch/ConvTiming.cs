using System.Diagnostics;
using System.Runtime.InteropServices;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Descent.Kernels.Cpu.Gemm;
using Xunit;
using Xunit.Abstractions;

namespace Descent.Tests.Scratch;

public sealed unsafe class ConvTiming(ITestOutputHelper output)
{
    [Fact]
    public void Time()
    {
        if (Environment.GetEnvironmentVariable("CONV_TIMING") is null) return;
        using var pool = new WorkerPool(2);
        using var gemm = new CacheBlockedGemm<MicroKernel8x32>(pool);
        using var oldJob = new ConvolutionJob(pool, gemm, false);
        using var newJob = new ConvolutionJob(pool, gemm, true);
        var shapes = new[]
        {
            new Conv2dShape(128, 16, 28, 28, 16, 3, 3, 1, 1),
            new Conv2dShape(128, 32, 14, 14, 32, 3, 3, 1, 1),
            new Conv2dShape(128, 64, 7, 7, 64, 3, 3, 1, 1),
            new Conv2dShape(128, 16, 28, 28, 32, 3, 3, 2, 1),
            new Conv2dShape(128, 32, 14, 14, 64, 3, 3, 2, 1),
            new Conv2dShape(128, 16, 28, 28, 32, 1, 1, 2, 0),
            new Conv2dShape(128, 1, 28, 28, 16, 3, 3, 1, 1),
            
        };
        foreach (var s in shapes)
        {
            var x = Alloc(s.InputLength); var w = Alloc(s.WeightLength); var b = Alloc(s.OutChannels); var y = Alloc(s.OutputLength);
            var dy = Alloc(s.OutputLength); var dx = Alloc(s.InputLength); var dw = Alloc(s.WeightLength);
            var flops = 2.0 * s.MultiplyAdds;
            foreach (var pass in new[] { "fwd", "bwdin", "bwdw" })
            {
                double bestOld = 1e9, bestNew = 1e9;
                for (var round = 0; round < 5; round++)
                {
                    foreach (var job in new[] { oldJob, newJob })
                    {
                        var sw = Stopwatch.StartNew();
                        for (var i = 0; i < 3; i++)
                        {
                            if (pass == "fwd") job.Forward(x, w, b, y, s, Activation.Relu);
                            else if (pass == "fwdplain") job.Forward(x, w, null, y, s, null);
                            else if (pass == "bwdin") job.BackwardInput(dy, w, dx, s);
                            else job.BackwardWeight(dy, x, dw, s);
                        }
                        var t = sw.Elapsed.TotalSeconds / 3;
                        if (job == oldJob) bestOld = Math.Min(bestOld, t); else bestNew = Math.Min(bestNew, t);
                    }
                }
                output.WriteLine($"{s.InChannels}->{s.OutChannels} {s.Height}x{s.Width} b{s.Batch} {pass}: old {bestOld * 1e3:F2} ms ({flops / bestOld / 1e9:F0} GF/s)  new {bestNew * 1e3:F2} ms ({flops / bestNew / 1e9:F0} GF/s)  x{bestOld / bestNew:F2}");
            }
        }
    }

    private static float* Alloc(long n)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(n * 4), 64);
        var r = new Random(1);
        for (long i = 0; i < n; i++) p[i] = (float)r.NextDouble() - 0.5f;
        return p;
    }
}
