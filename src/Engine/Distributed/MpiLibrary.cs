using System.Runtime.InteropServices;
using System.Text;
using Descent.Kernels;

namespace Descent.Engine.Distributed;

/// <summary>
/// The few calls of MPI's C API a data-parallel run makes, bound at run time to the library the machine has, by its
/// versioned name (the unversioned libmpi.so comes only with the -dev packages): Open MPI's libmpi.so.40 or MPICH's
/// libmpich.so.12. The two differ in their handles: Open MPI's MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ... are the addresses
/// of exported globals (ompi_mpi_comm_world, ...), MPICH's are integer constants from its mpi.h; both fit a pointer-sized
/// argument, which is how every call here passes them.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    private const int ThreadSerialized = 2;

    private readonly nint library;
    private readonly delegate* unmanaged<nint, nint, int, int*, int> initThread;
    private readonly delegate* unmanaged<nint, int*, int> commRank;
    private readonly delegate* unmanaged<nint, int*, int> commSize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> allReduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> broadcast;
    private readonly delegate* unmanaged<nint, int, int> abort;
    private readonly delegate* unmanaged<int> finalize;
    private readonly delegate* unmanaged<byte*, int*, int> libraryVersion;

    private MpiLibrary(nint library, string name, bool isOpenMpi)
    {
        this.library = library;
        Name = name;
        initThread = (delegate* unmanaged<nint, nint, int, int*, int>)Function("MPI_Init_thread");
        commRank = (delegate* unmanaged<nint, int*, int>)Function("MPI_Comm_rank");
        commSize = (delegate* unmanaged<nint, int*, int>)Function("MPI_Comm_size");
        allReduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Function("MPI_Allreduce");
        broadcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Function("MPI_Bcast");
        abort = (delegate* unmanaged<nint, int, int>)Function("MPI_Abort");
        finalize = (delegate* unmanaged<int>)Function("MPI_Finalize");
        libraryVersion = (delegate* unmanaged<byte*, int*, int>)Function("MPI_Get_library_version");
        if (isOpenMpi)
        {
            CommWorld = Function("ompi_mpi_comm_world");
            Float = Function("ompi_mpi_float");
            Double = Function("ompi_mpi_double");
            Byte = Function("ompi_mpi_byte");
            Sum = Function("ompi_mpi_op_sum");
            InPlace = 1;
        }
        else
        {
            // MPICH's mpi.h (4.x, the same since 3.x).
            CommWorld = 0x44000000;
            Float = 0x4c00040a;
            Double = 0x4c00080b;
            Byte = 0x4c00010d;
            Sum = 0x58000003;
            InPlace = -1;
        }
    }

    /// <summary>The file loaded: libmpi.so.40 or libmpich.so.12.</summary>
    public string Name { get; }

    private nint CommWorld { get; }

    private nint Float { get; }

    private nint Double { get; }

    private nint Byte { get; }

    private nint Sum { get; }

    private nint InPlace { get; }

    /// <summary>
    /// <paramref name="chosen"/> (DESCENT_MPI_LIBRARY: a file name or path) or else Open MPI's or MPICH's library, whichever
    /// loads first, MPICH's first when MPICH's launcher started the process (a machine may have both, and a rank must join
    /// its own launcher's job); Open MPI is told by its exported handles. None is a <see cref="DeviceUnavailableException"/>
    /// naming what was tried and the packages that bring them.
    /// </summary>
    public static MpiLibrary Load(string? chosen, bool mpichFirst = false)
    {
        string[] names = chosen is not null ? [chosen] : mpichFirst ? ["libmpich.so.12", "libmpi.so.40"] : ["libmpi.so.40", "libmpich.so.12"];
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return new MpiLibrary(handle, name, isOpenMpi: NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _));
            }
        }
        throw new DeviceUnavailableException(chosen is null
            ? "no MPI library: neither Open MPI's libmpi.so.40 nor MPICH's libmpich.so.12 loads (install openmpi-bin or mpich)"
            : $"no MPI library: DESCENT_MPI_LIBRARY names {chosen}, which does not load");
    }

    /// <summary>MPI_Init_thread, asking that calls may come from any thread, one at a time (the epoch may run off the main thread).</summary>
    public void Initialize()
    {
        int provided;
        Check(initThread(0, 0, ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < ThreadSerialized)
        {
            throw new DeviceUnavailableException(
                $"{Name} offers thread level {provided}, below MPI_THREAD_SERIALIZED ({ThreadSerialized}), which Descent needs");
        }
    }

    public int Rank()
    {
        int rank;
        Check(commRank(CommWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int Size()
    {
        int size;
        Check(commSize(CommWorld, &size), "MPI_Comm_size");
        return size;
    }

    /// <summary>MPI_Get_library_version up to its first comma or line end: "Open MPI v4.1.4" or "MPICH Version: 4.0.2".</summary>
    public string Version()
    {
        // MPICH's MPI_MAX_LIBRARY_VERSION_STRING, the larger of the two (Open MPI's is 256).
        var text = new byte[8192];
        int length;
        fixed (byte* start = text)
        {
            Check(libraryVersion(start, &length), "MPI_Get_library_version");
        }
        var version = Encoding.UTF8.GetString(text, 0, Math.Clamp(length, 0, text.Length)).TrimEnd('\0');
        var lineEnd = version.IndexOfAny([',', '\n', '\r']);
        return (lineEnd < 0 ? version : version[..lineEnd]).Trim();
    }

    /// <summary>Every rank's <paramref name="values"/> summed, in place, on every rank.</summary>
    public void AllReduceSum(Span<float> values)
    {
        fixed (float* start = values)
        {
            Check(allReduce((void*)InPlace, start, values.Length, Float, Sum, CommWorld), "MPI_Allreduce");
        }
    }

    /// <summary>Every rank's <paramref name="values"/> summed, in place, on every rank.</summary>
    public void AllReduceSum(Span<double> values)
    {
        fixed (double* start = values)
        {
            Check(allReduce((void*)InPlace, start, values.Length, Double, Sum, CommWorld), "MPI_Allreduce");
        }
    }

    /// <summary>Rank 0's <paramref name="bytes"/> copied into every rank's.</summary>
    public void BroadcastFromRankZero(Span<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            Check(broadcast(start, bytes.Length, Byte, 0, CommWorld), "MPI_Bcast");
        }
    }

    /// <summary>MPI_Abort: ends every process of the job; the launcher reports <paramref name="exitCode"/>.</summary>
    public void Abort(int exitCode) => abort(CommWorld, exitCode);

    /// <summary>MPI_Finalize.</summary>
    public void Shutdown() => Check(finalize(), "MPI_Finalize");

    private nint Function(string name) => NativeLibrary.TryGetExport(library, name, out var address)
        ? address
        : throw new DeviceUnavailableException($"{Name} has no {name}: not an MPI library Descent can use");

    // MPI's default error handler ends the job on a failure; a code that still comes back is the library's own refusal.
    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new DeviceUnavailableException($"{call} failed with MPI error {result}");
        }
    }
}
