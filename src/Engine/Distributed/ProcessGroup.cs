using System.Runtime.InteropServices;
using Descent.Kernels;

namespace Descent.Engine.Distributed;

/// <summary>
/// The processes that train one model together: MPI's world when a launcher started this process under MPI, else a
/// group of one whose collectives do nothing. Every collective is called by every rank in the same order; the training
/// loop's steps and epochs give that order.
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private readonly MpiLibrary? mpi;
    private bool finalized;

    private ProcessGroup(MpiLibrary? mpi, int rank, int size, int localRank, string description)
    {
        this.mpi = mpi;
        Rank = rank;
        Size = size;
        LocalRank = localRank;
        Description = description;
    }

    /// <summary>One process alone: rank 0 of 1.</summary>
    public static ProcessGroup Alone { get; } = new(null, 0, 1, 0, "one process");

    public int Rank { get; }

    public int Size { get; }

    /// <summary>The rank's index among the ranks on its own machine: the GPU it takes by default.</summary>
    public int LocalRank { get; }

    /// <summary>Rank 0 writes the run's files and prints its progress; the other ranks only train.</summary>
    public bool IsWriter => Rank == 0;

    /// <summary>Which MPI was loaded and how large the group is, for rank 0 to print once.</summary>
    public string Description { get; }

    /// <summary>
    /// The group this process belongs to under <paramref name="mode"/>: MPI's world when asked for or when a launcher's
    /// variables (read through <paramref name="environment"/>) say one started this process, else <see cref="Alone"/>.
    /// No MPI library where one is needed is a <see cref="DeviceUnavailableException"/>.
    /// </summary>
    public static ProcessGroup Open(DistributedMode mode, Func<string, string?> environment)
    {
        var launch = MpiLaunch.Detect(environment);
        if (mode == DistributedMode.Off || (mode == DistributedMode.Auto && launch is null))
        {
            return Alone;
        }
        var mpi = MpiLibrary.Load(environment("DESCENT_MPI_LIBRARY"), mpichFirst: launch?.ByMpich ?? false);
        mpi.Initialize();
        var rank = mpi.Rank();
        var size = mpi.Size();
        var launcher = launch is null ? "" : $", started by {launch.Launcher}";
        return new ProcessGroup(mpi, rank, size, launch?.LocalRank ?? 0, $"{mpi.Version()} ({mpi.Name}): {size} ranks{launcher}");
    }

    /// <summary>Rows [First, First + Count) of a batch of <paramref name="rows"/> rows are this rank's.</summary>
    public (int First, int Count) ShareOf(int rows) => ShareOf(rows, Rank, Size);

    /// <summary>
    /// Rank <paramref name="rank"/>'s rows of a batch of <paramref name="rows"/> shared by <paramref name="size"/> ranks: in
    /// order, shares differing by at most one row, a rank with none where the batch has fewer rows than ranks.
    /// </summary>
    public static (int First, int Count) ShareOf(int rows, int rank, int size)
    {
        var first = (int)((long)rows * rank / size);
        return (first, (int)((long)rows * (rank + 1) / size) - first);
    }

    /// <summary>Every rank's <paramref name="values"/> summed, element by element, into every rank's.</summary>
    public void AllReduceSum(Span<float> values) => mpi?.AllReduceSum(values);

    /// <inheritdoc cref="AllReduceSum(Span{float})"/>
    public void AllReduceSum(Span<double> values) => mpi?.AllReduceSum(values);

    /// <summary>Rank 0's <paramref name="values"/> copied into every rank's.</summary>
    public void BroadcastFromRankZero(Span<float> values) => mpi?.BroadcastFromRankZero(MemoryMarshal.AsBytes(values));

    /// <inheritdoc cref="BroadcastFromRankZero(Span{float})"/>
    public void BroadcastFromRankZero(Span<byte> values) => mpi?.BroadcastFromRankZero(values);

    /// <summary>
    /// Whether the ranks refused the run together, each finding the same fault after the same collectives: they then end
    /// as one process would (each its own line and exit code), where a fault on one rank alone ends the job with MPI_Abort.
    /// </summary>
    public bool RefusedTogether { get; private set; }

    /// <summary>
    /// Refuses, on every rank alike, a run whose ranks were given different <paramref name="what"/>: rank 0's
    /// <paramref name="fingerprint"/> is broadcast, and the ranks whose own differs are counted with one all-reduce.
    /// </summary>
    public void RequireAgreement(string what, ReadOnlySpan<byte> fingerprint)
    {
        if (mpi is null)
        {
            return;
        }
        var rankZeros = fingerprint.ToArray();
        mpi.BroadcastFromRankZero(rankZeros);
        Span<double> differing = [rankZeros.AsSpan().SequenceEqual(fingerprint) ? 0 : 1];
        mpi.AllReduceSum(differing);
        if (differing[0] > 0)
        {
            RefusedTogether = true;
            throw new InvalidInputException($"{differing[0]} of {Size} ranks were given other {what} than rank 0; " +
                "every rank must be started with the same command and data");
        }
    }

    /// <summary>Refuses, on every rank alike, a global batch of fewer rows than ranks: some rank would never train.</summary>
    public void RequireRowsForEveryRank(int batchSize)
    {
        if (batchSize < Size)
        {
            RefusedTogether = true;
            throw new InvalidInputException($"--batch-size {batchSize} is smaller than the {Size} ranks sharing each batch; " +
                $"give at least {Size}");
        }
    }

    /// <summary>
    /// The refusal of a run that every rank finds alike from the options and data they agreed on, marked as refused
    /// together, for the caller to throw.
    /// </summary>
    public InvalidInputException RefuseTogether(string message)
    {
        RefusedTogether = true;
        return new InvalidInputException(message);
    }

    /// <summary>Ends every process of the job at once (MPI_Abort), for a failure on this rank alone; without MPI, nothing.</summary>
    public void Abort(int exitCode)
    {
        if (mpi is not null && Size > 1)
        {
            mpi.Abort(exitCode);
        }
    }

    /// <summary>MPI_Finalize, once: after the last collective every rank makes, never while another rank may wait in one.</summary>
    public void Dispose()
    {
        if (mpi is not null && !finalized)
        {
            finalized = true;
            mpi.Shutdown();
        }
    }
}
