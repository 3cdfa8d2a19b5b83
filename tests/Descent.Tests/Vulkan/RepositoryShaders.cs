namespace Descent.Tests.Vulkan;

/// <summary>The repository's shaders/ folder (GLSL sources, and the SPIR-V kept in shaders/spv), found above the test binaries.</summary>
public static class RepositoryShaders
{
    public static string Folder { get; } = Find();

    public static string SpirVFolder => Path.Combine(Folder, "spv");

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var shaders = Path.Combine(folder.FullName, "shaders");
            if (File.Exists(Path.Combine(shaders, "compile.sh")))
            {
                return shaders;
            }
        }
        throw new DirectoryNotFoundException($"no shaders/compile.sh above {AppContext.BaseDirectory}");
    }
}
