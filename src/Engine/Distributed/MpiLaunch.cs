namespace Descent.Engine.Distributed;

/// <summary>
/// What the launcher that started this process says about it, read from the variables each launcher sets: Open MPI's
/// mpirun (OMPI_COMM_WORLD_*), MPICH's Hydra (PMI_RANK, PMI_SIZE, MPI_LOCALRANKID), a PMIx launcher (PMIX_RANK) and Slurm's
/// srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID). MPI itself has the last word on rank and size once initialised; the
/// launcher's variables decide whether to initialise it at all, and give the rank's index on its machine, which picks
/// its GPU.
/// </summary>
/// <param name="ByMpich">MPICH's Hydra started it, so MPICH's library is tried before Open MPI's where both are installed.</param>
public sealed record MpiLaunch(string Launcher, int Rank, int Size, int LocalRank, bool ByMpich = false)
{
    /// <summary>The launch <paramref name="environment"/> describes, or null for a process no launcher started.</summary>
    public static MpiLaunch? Detect(Func<string, string?> environment)
    {
        int? Read(string name) => int.TryParse(environment(name), out var value) && value >= 0 ? value : null;
        if (Read("OMPI_COMM_WORLD_SIZE") is { } openMpiSize && Read("OMPI_COMM_WORLD_RANK") is { } openMpiRank)
        {
            return new("Open MPI's mpirun", openMpiRank, openMpiSize, Read("OMPI_COMM_WORLD_LOCAL_RANK") ?? 0);
        }
        if (Read("PMI_SIZE") is { } pmiSize && Read("PMI_RANK") is { } pmiRank)
        {
            return new("a PMI launcher (MPICH's mpiexec)", pmiRank, pmiSize, Read("MPI_LOCALRANKID") ?? Read("SLURM_LOCALID") ?? 0,
                ByMpich: true);
        }
        if (Read("SLURM_PROCID") is { } slurmRank && Read("SLURM_NTASKS") is { } slurmSize)
        {
            return new("Slurm's srun", slurmRank, slurmSize, Read("SLURM_LOCALID") ?? 0);
        }
        if (Read("PMIX_RANK") is { } pmixRank)
        {
            return new("a PMIx launcher", pmixRank, Read("SLURM_NTASKS") ?? 1, Read("SLURM_LOCALID") ?? 0);
        }
        return null;
    }
}
