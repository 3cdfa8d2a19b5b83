using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// A compute shader from shaders/, as its embedded SPIR-V ("Descent.Shaders.NAME.spv", which the project
/// embeds by wildcard) declares it: the storage buffers it binds, which of them it may write, and its
/// push-constant block. Nothing about a shader is listed in C#; adding one means adding its .comp and
/// compiling it.
/// </summary>
internal sealed class Shader
{
    private const string ResourcePrefix = "Descent.Shaders.";
    private const string ResourceSuffix = ".spv";

    private static readonly ConcurrentDictionary<string, Shader> Loaded = new();

    private Shader(string name, byte[] code)
    {
        Name = name;
        Code = code;
        (Bindings, WrittenBindings, PushConstants) = SpirVReader.Read(name, code);
        PushConstantBytes = PushConstants.Count == 0 ? 0 : PushConstants.Max(member => member.Offset + member.Bytes);
        if (Bindings > DescriptorSetCache.MaxBindings)
        {
            throw new InvalidDataException(
                $"shader {name} binds {Bindings} storage buffers; raise DescriptorSetCache.MaxBindings " +
                $"({DescriptorSetCache.MaxBindings}) to match");
        }
    }

    /// <summary>The name of every embedded shader, in ordinal order.</summary>
    public static IReadOnlyList<string> Names { get; } = Assembly.GetExecutingAssembly().GetManifestResourceNames()
        .Where(resource => resource.StartsWith(ResourcePrefix, StringComparison.Ordinal)
            && resource.EndsWith(ResourceSuffix, StringComparison.Ordinal))
        .Select(resource => resource[ResourcePrefix.Length..^ResourceSuffix.Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The file name in shaders/ without its extension, e.g. "activation".</summary>
    public string Name { get; }

    /// <summary>The SPIR-V.</summary>
    public byte[] Code { get; }

    /// <summary>The storage buffers it binds: bindings 0 to Bindings-1 of descriptor set 0.</summary>
    public int Bindings { get; }

    /// <summary>
    /// Bit i set when the shader may write binding i: every binding not declared readonly, whichever
    /// specialization runs. The recorder orders commands by it, so a buffer a dispatch binds at such a
    /// binding counts as written.
    /// </summary>
    public uint WrittenBindings { get; }

    /// <summary>The members of its push-constant block in declaration order; empty without one.</summary>
    public IReadOnlyList<PushConstantMember> PushConstants { get; }

    /// <summary>The size of its push-constant block, up to the end of the last member; 0 without one.</summary>
    public int PushConstantBytes { get; }

    /// <summary>The embedded shader <paramref name="name"/>, read on first use and kept.</summary>
    /// <exception cref="DeviceUnavailableException">No shader of that name is embedded.</exception>
    /// <exception cref="InvalidDataException">Its SPIR-V is malformed or declares what the backend cannot bind.</exception>
    public static Shader Named(string name) => Loaded.GetOrAdd(name, static name => Load(name));

    /// <summary>
    /// Refuses a dispatch whose buffers or push constants differ from what the shader declares, which
    /// Vulkan would otherwise leave undefined. Two comparisons; the message is built only on failure.
    /// </summary>
    public void CheckDispatch<TPush>(int buffers) where TPush : unmanaged
    {
        if (buffers != Bindings)
        {
            throw new InvalidOperationException($"shader {Name} declares {Bindings} storage buffers, but its dispatch binds {buffers}");
        }
        if (Unsafe.SizeOf<TPush>() != PushConstantBytes)
        {
            throw new InvalidOperationException(
                $"shader {Name} declares {PushConstantBytes} bytes of push constants, " +
                $"but its dispatch pushes {typeof(TPush).Name} of {Unsafe.SizeOf<TPush>()}");
        }
    }

    private static Shader Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + name + ResourceSuffix)
            ?? throw new DeviceUnavailableException(
                $"shader {name} is missing from Descent.Kernels, which has {string.Join(", ", Names)}: " +
                $"add shaders/{name}.comp, run shaders/compile.sh and rebuild");
        var code = new byte[stream.Length];
        stream.ReadExactly(code);
        return new Shader(name, code);
    }
}
