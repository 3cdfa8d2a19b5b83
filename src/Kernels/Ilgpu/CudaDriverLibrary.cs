using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Finds the CUDA driver library for ILGPU. ILGPU asks the runtime for a native library named
/// "cuda", which .NET on Linux tries as libcuda.so only; many driver installs and containers ship
/// only libcuda.so.1, so without help ILGPU would see no GPU and `auto` would silently pick another
/// backend. A resolver on the default load context (not SetDllImportResolver on ILGPU's assembly,
/// which ILGPU sets itself on WSL) answers that request from a search of LD_LIBRARY_PATH and the
/// usual driver folders, then the dynamic loader's cache (libcuda.so.1 by soname), and remembers why a
/// driver it found could not be loaded.
/// </summary>
internal static class CudaDriverLibrary
{
    /// <summary>Names tried in each folder, the versioned one first: it is what every driver install provides.</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["libcuda.so.1", "libcuda.so"];

    /// <summary>Where drivers live when LD_LIBRARY_PATH does not say: Debian and Ubuntu, NVIDIA's container runtime, WSL.</summary>
    public static IReadOnlyList<string> DriverFolders { get; } =
        ["/usr/lib/x86_64-linux-gnu", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib", "/usr/lib64", "/usr/lib"];

    private static readonly object Gate = new();
    private static bool installed;

    /// <summary>The path the resolver loaded, once ILGPU has asked for the driver and one was found and loaded.</summary>
    public static string? LoadedPath { get; private set; }

    /// <summary>Why a driver that was found could not be loaded (null when none was found or it loaded).</summary>
    public static string? LoadFailure { get; private set; }

    /// <summary>
    /// Every candidate path, in search order: each folder of <paramref name="libraryPath"/> (LD_LIBRARY_PATH's
    /// colon-separated list; empty entries skipped), then <paramref name="folders"/>, each tried with every
    /// name of <see cref="FileNames"/>; duplicates removed. Only paths that <paramref name="exists"/> accepts are kept.
    /// </summary>
    public static IReadOnlyList<string> Candidates(string? libraryPath, IReadOnlyList<string> folders, Func<string, bool> exists)
    {
        var searched = (libraryPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(folders)
            .Select(folder => Path.TrimEndingDirectorySeparator(folder))
            .Distinct(StringComparer.Ordinal);
        return searched
            .SelectMany(folder => FileNames.Select(name => Path.Combine(folder, name)))
            .Where(exists)
            .ToList();
    }

    /// <summary>The candidates on this machine, from the process's LD_LIBRARY_PATH and <see cref="DriverFolders"/>.</summary>
    public static IReadOnlyList<string> CandidatesHere() =>
        Candidates(Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"), DriverFolders, File.Exists);

    /// <summary>Hooks the resolver into the default load context, once per process, before ILGPU first looks for CUDA.</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (installed || !OperatingSystem.IsLinux())
            {
                return;
            }
            installed = true;
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
        }
    }

    private static IntPtr Resolve(Assembly requester, string name)
    {
        if (name is not ("cuda" or "libcuda" or "libcuda.so") || requester.GetName().Name?.StartsWith("ILGPU", StringComparison.Ordinal) != true)
        {
            return IntPtr.Zero;
        }
        var failures = new List<string>();
        foreach (var path in CandidatesHere())
        {
            try
            {
                var handle = NativeLibrary.Load(path);
                LoadedPath = path;
                LoadFailure = null;
                return handle;
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                failures.Add(LoaderReason(path, e.Message));
            }
        }
        // Last, the dynamic loader's own search by soname: its cache (ldconfig) covers drivers installed in folders
        // none of the above names, such as a distribution's multiarch folder for another layout.
        if (NativeLibrary.TryLoad(FileNames[0], out var cached))
        {
            LoadedPath = $"{FileNames[0]} (the dynamic loader's cache)";
            LoadFailure = null;
            return cached;
        }
        if (failures.Count > 0)
        {
            LoadFailure = $"the CUDA driver could not be loaded ({string.Join("; ", failures)})";
        }
        return IntPtr.Zero;
    }

    /// <summary>
    /// The dynamic loader's own words ("PATH: invalid ELF header"), which .NET puts on the last line of a
    /// long message, else that line after the path.
    /// </summary>
    private static string LoaderReason(string path, string message)
    {
        var last = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return last.StartsWith(path, StringComparison.Ordinal) ? last : $"{path}: {last}";
    }
}
