using Descent.Kernels;
using Descent.Kernels.Cpu;
using Xunit;

namespace Descent.Tests.Cpu;

/// <summary>The pool's job per kernel type: made on a kernel's first run, reused after, whatever else runs between.</summary>
public sealed class WorkerPoolTests
{
    private const int Items = 1 << 12;

    [Fact]
    public void A_kernel_dispatched_to_the_workers_allocates_only_on_its_first_run()
    {
        using var pool = new WorkerPool(2);
        var marks = new int[Items];
        // Counted on this thread only, which is where the pool makes a job.
        long AllocatedByRun(int mark)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            pool.Run(new MarkKernel(marks, mark), Items, 8, serialBelow: 0);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        var first = AllocatedByRun(1);
        pool.Run(new OtherKernel(marks), Items, 8, serialBelow: 0);
        var second = AllocatedByRun(2);

        Assert.True(first > 0, "the first run makes the kernel's job");
        Assert.Equal(0, second);
        Assert.All(marks, mark => Assert.Equal(2, mark));
    }

    [Fact]
    public void Each_pool_runs_its_own_job_for_a_kernel_type()
    {
        using var one = new WorkerPool(2);
        using var other = new WorkerPool(3);
        var (marksOne, marksOther) = (new int[Items], new int[Items]);

        one.Run(new MarkKernel(marksOne, 1), Items, 8, serialBelow: 0);
        other.Run(new MarkKernel(marksOther, 2), Items, 8, serialBelow: 0);
        one.Run(new MarkKernel(marksOne, 3), Items / 2, 8, serialBelow: 0);

        Assert.All(marksOne.Take(Items / 2), mark => Assert.Equal(3, mark));
        Assert.All(marksOne.Skip(Items / 2), mark => Assert.Equal(1, mark));
        Assert.All(marksOther, mark => Assert.Equal(2, mark));
    }

    [Fact]
    public void A_kernel_that_fails_on_a_worker_throws_on_the_caller_and_the_pool_still_works()
    {
        using var pool = new WorkerPool(2);
        var marks = new int[Items];

        Assert.Throws<InvalidInputException>(() => pool.Run(new FailingKernel(), Items, 8, serialBelow: 0));

        pool.Run(new MarkKernel(marks, 1), Items, 8, serialBelow: 0);
        Assert.All(marks, mark => Assert.Equal(1, mark));
    }

    private readonly struct MarkKernel(int[] marks, int mark) : IRangeKernel
    {
        public void Execute(int start, int end) => marks.AsSpan(start, end - start).Fill(mark);
    }

    private readonly struct OtherKernel(int[] marks) : IRangeKernel
    {
        public void Execute(int start, int end) => marks.AsSpan(start, end - start).Clear();
    }

    /// <summary>Fails on every slice but the first, which is the calling thread's: the failure happens on a worker.</summary>
    private readonly struct FailingKernel : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            if (start > 0)
            {
                throw new InvalidInputException($"items [{start}, {end}) refused");
            }
        }
    }
}
