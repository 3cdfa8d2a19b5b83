using System.ComponentModel;
using System.Diagnostics;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>
/// The SPIR-V kept in shaders/spv, disassembled with spirv-dis (Debian package spirv-tools), holds no
/// OpIsNan or OpIsInf: a driver may fold both to false unless the device promises
/// shaderSignedZeroInfNanPreserveFloat32, which would silence the divergence guard and turn NaN-keeping
/// ops into NaN-dropping ones. shaders/include/device_math.glsl tests float bits instead. Where spirv-dis
/// is missing the test is skipped with the reason, except on CI (CI=true), which installs it, where it fails.
/// </summary>
public sealed class KeptSpirVTests
{
    private static readonly string[] FoldableInstructions = ["OpIsNan", "OpIsInf"];

    public static TheoryData<string> KeptModules() =>
        new(Directory.GetFiles(RepositoryShaders.SpirVFolder, "*.spv").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [SkippableTheory]
    [MemberData(nameof(KeptModules))]
    public void No_kept_module_tests_floats_with_an_instruction_a_driver_may_fold(string module)
    {
        var disassembly = Disassemble(Path.Combine(RepositoryShaders.SpirVFolder, module));

        var found = disassembly.Split('\n').Where(line => FoldableInstructions.Any(line.Contains)).Select(line => line.Trim()).ToArray();

        Assert.True(found.Length == 0,
            $"{module} tests floats with instructions a driver may fold away; test the bits (device_math.glsl) instead:\n{string.Join("\n", found)}");
    }

    [Fact]
    public void There_are_kept_modules_to_check() => Assert.NotEmpty(KeptModules());

    /// <summary>spirv-dis's output for one module; its error output, if any, goes to the test log.</summary>
    private static string Disassemble(string path)
    {
        var start = new ProcessStartInfo("spirv-dis") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(path);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw Unavailable("spirv-dis did not start");
        }
        catch (Win32Exception e)
        {
            throw Unavailable($"spirv-dis cannot be run ({e.Message}): install spirv-tools (Debian/Ubuntu) or the Vulkan SDK");
        }
        using (process)
        {
            var disassembly = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"spirv-dis {path} exited {process.ExitCode}");
            return disassembly;
        }
    }

    private static Exception Unavailable(string reason) =>
        Environment.GetEnvironmentVariable("CI") == "true"
            ? new Xunit.Sdk.XunitException($"spirv-dis is required on CI (CI=true) but unavailable: {reason}")
            : new SkipException($"spirv-dis unavailable: {reason}");
}
