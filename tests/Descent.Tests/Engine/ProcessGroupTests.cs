using Descent.Engine.Distributed;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>How a process finds its launcher and its rows of a shared batch, without MPI.</summary>
public sealed class ProcessGroupTests
{
    [Theory]
    [InlineData("OMPI_COMM_WORLD_SIZE=4 OMPI_COMM_WORLD_RANK=2 OMPI_COMM_WORLD_LOCAL_RANK=1", "Open MPI's mpirun", 2, 4, 1, false)]
    [InlineData("PMI_SIZE=3 PMI_RANK=1 MPI_LOCALRANKID=1", "a PMI launcher (MPICH's mpiexec)", 1, 3, 1, true)]
    [InlineData("SLURM_PROCID=5 SLURM_NTASKS=8 SLURM_LOCALID=1", "Slurm's srun", 5, 8, 1, false)]
    [InlineData("PMIX_RANK=3 SLURM_NTASKS=4", "a PMIx launcher", 3, 4, 0, false)]
    public void A_launchers_environment_gives_the_rank_the_size_and_the_index_on_the_machine(string variables, string launcher, int rank,
        int size, int localRank, bool byMpich)
    {
        var environment = variables.Split(' ').Select(pair => pair.Split('=')).ToDictionary(pair => pair[0], pair => pair[1]);

        Assert.Equal(new MpiLaunch(launcher, rank, size, localRank, byMpich), MpiLaunch.Detect(name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void No_launcher_leaves_a_process_alone_under_auto_and_off()
    {
        Assert.Null(MpiLaunch.Detect(_ => null));
        Assert.Same(ProcessGroup.Alone, ProcessGroup.Open(DistributedMode.Auto, _ => null));
        Assert.Same(ProcessGroup.Alone, ProcessGroup.Open(DistributedMode.Off, name => name == "OMPI_COMM_WORLD_SIZE" ? "2" : "0"));
    }

    [Theory]
    [InlineData(64, 2)]
    [InlineData(63, 2)]
    [InlineData(1, 2)]
    [InlineData(10, 3)]
    [InlineData(2, 5)]
    public void The_ranks_shares_tile_a_batch_in_order_and_differ_by_at_most_one_row(int rows, int size)
    {
        var shares = Enumerable.Range(0, size).Select(rank => ProcessGroup.ShareOf(rows, rank, size)).ToList();

        var next = 0;
        foreach (var (first, count) in shares)
        {
            Assert.Equal(next, first);
            next += count;
        }
        Assert.Equal(rows, next);
        Assert.InRange(shares.Max(share => share.Count) - shares.Min(share => share.Count), 0, 1);
    }
}
