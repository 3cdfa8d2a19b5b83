using Descent.Kernels.Ilgpu;
using Descent.Tests.Data;
using Descent.Tests.Host;
using Xunit;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// The CUDA driver search: LD_LIBRARY_PATH first, then the driver folders, libcuda.so.1 before
/// libcuda.so in each; and a driver that is found but cannot be used is reported, never silent.
/// </summary>
public sealed class CudaDriverLibraryTests
{
    [Fact]
    public void The_library_path_comes_first_and_the_versioned_name_first_in_each_folder()
    {
        using var tree = new TemporaryFolder();
        var first = Folder(tree, "first", "libcuda.so");
        var second = Folder(tree, "second", "libcuda.so.1", "libcuda.so");
        var driverFolder = Folder(tree, "driver", "libcuda.so.1");

        var found = CudaDriverLibrary.Candidates($"{first}::{second}/", [driverFolder, Path.Combine(tree.Path, "missing")], File.Exists);

        Assert.Equal(
        [
            Path.Combine(first, "libcuda.so"),
            Path.Combine(second, "libcuda.so.1"),
            Path.Combine(second, "libcuda.so"),
            Path.Combine(driverFolder, "libcuda.so.1"),
        ], found);
    }

    [Fact]
    public void Without_a_library_path_the_driver_folders_are_searched_and_each_folder_once()
    {
        using var tree = new TemporaryFolder();
        var driverFolder = Folder(tree, "nvidia-lib64", "libcuda.so.1");
        var empty = Folder(tree, "empty");

        Assert.Equal([Path.Combine(driverFolder, "libcuda.so.1")],
            CudaDriverLibrary.Candidates(null, [empty, driverFolder, driverFolder + "/"], File.Exists));
        Assert.Equal([Path.Combine(driverFolder, "libcuda.so.1")],
            CudaDriverLibrary.Candidates(driverFolder, [driverFolder], File.Exists));
        Assert.Empty(CudaDriverLibrary.Candidates("", [empty], File.Exists));
    }

    [Fact]
    public void The_usual_driver_folders_include_the_container_and_wsl_ones()
    {
        Assert.Contains("/usr/lib/x86_64-linux-gnu", CudaDriverLibrary.DriverFolders);
        Assert.Contains("/usr/local/nvidia/lib64", CudaDriverLibrary.DriverFolders);
        Assert.Contains("/usr/lib/wsl/lib", CudaDriverLibrary.DriverFolders);
    }

    /// <summary>
    /// A file named libcuda.so.1 that is no library: `devices` shows why on a CUDA line, `--backend cuda`
    /// exits 3 with the reason, and `auto` says in one line that it fell back. On a machine whose driver
    /// folders hold a real driver the search would go on to it, so there the fake proves nothing.
    /// </summary>
    [Fact]
    public void A_driver_that_will_not_load_is_reported_by_devices_cuda_and_auto()
    {
        if (CudaDriverLibrary.Candidates(null, CudaDriverLibrary.DriverFolders, File.Exists).Count > 0)
        {
            return;
        }
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("libcuda.so.1"), "not a shared library");
        var environment = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = folder.Path };

        var devices = DescentProcess.Run(environment, "devices");
        var cuda = DescentProcess.Run(environment, "check", "--backend", "cuda", "--filter", "fill range");
        var auto = DescentProcess.Run(environment, "check", "--backend", "auto", "--filter", "fill range");

        Assert.Equal(0, devices.ExitCode);
        Assert.Contains("CUDA driver found but unusable", devices.Output);
        Assert.Contains(folder.File("libcuda.so.1"), devices.Output.Replace("\n", "").Replace("│", "").Replace(" ", ""));
        Assert.Equal(3, cuda.ExitCode);
        Assert.StartsWith($"descent: error: the CUDA driver could not be loaded ({folder.File("libcuda.so.1")}: ", cuda.ErrorLines.Single());
        Assert.Equal(0, auto.ExitCode);
        Assert.StartsWith("descent: auto: not using CUDA (the CUDA driver could not be loaded", auto.ErrorLines.Single());
        Assert.EndsWith("falling back to cpu", auto.ErrorLines.Single());
    }

    private static string Folder(TemporaryFolder tree, string name, params string[] files)
    {
        var path = Directory.CreateDirectory(Path.Combine(tree.Path, name)).FullName;
        foreach (var file in files)
        {
            File.WriteAllText(Path.Combine(path, file), "");
        }
        return path;
    }
}
