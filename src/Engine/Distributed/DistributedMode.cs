namespace Descent.Engine.Distributed;

/// <summary>Whether a run joins the other processes an MPI launcher started with it (--distributed).</summary>
public enum DistributedMode
{
    /// <summary>Join them when a launcher's environment says there are some (mpirun, mpiexec, srun); else train alone.</summary>
    Auto,

    /// <summary>Always initialise MPI (a lone process becomes a group of one); no MPI library is an error.</summary>
    Mpi,

    /// <summary>Never: each process trains alone, as if no launcher had started it.</summary>
    Off,
}
