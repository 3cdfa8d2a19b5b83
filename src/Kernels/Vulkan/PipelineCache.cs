using System.Reflection;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Creates each (shader, specialization) pipeline once, on first use, and keeps it until disposed.
/// Shader modules come from the SPIR-V embedded in this assembly. Every shader with N bindings shares
/// one descriptor-set layout (N storage buffers) and one pipeline layout with a
/// <see cref="PushConstantBytes"/>-byte push-constant range.
/// </summary>
internal sealed unsafe class PipelineCache(Vk vk, VulkanDevice device) : IDisposable
{
    /// <summary>Room for the largest push-constant block (GEMM's: 36 bytes); Vulkan guarantees 128.</summary>
    public const uint PushConstantBytes = 64;

    private readonly Dictionary<string, ShaderModule> modules = [];
    private readonly Dictionary<int, (DescriptorSetLayout Set, PipelineLayout Pipeline)> layouts = [];
    private readonly Dictionary<(Shader, SpecializationConstants), ComputePipeline> pipelines = [];

    public ComputePipeline Get(Shader shader, SpecializationConstants constants)
    {
        if (!pipelines.TryGetValue((shader, constants), out var pipeline))
        {
            pipeline = Create(shader, constants);
            pipelines.Add((shader, constants), pipeline);
        }
        return pipeline;
    }

    public void Dispose()
    {
        foreach (var pipeline in pipelines.Values)
        {
            vk.DestroyPipeline(device.Handle, pipeline.Handle, null);
        }
        foreach (var (set, pipeline) in layouts.Values)
        {
            vk.DestroyPipelineLayout(device.Handle, pipeline, null);
            vk.DestroyDescriptorSetLayout(device.Handle, set, null);
        }
        foreach (var module in modules.Values)
        {
            vk.DestroyShaderModule(device.Handle, module, null);
        }
    }

    private ComputePipeline Create(Shader shader, SpecializationConstants constants)
    {
        var module = Module(shader);
        var (setLayout, pipelineLayout) = Layouts(shader.Bindings);
        var entries = stackalloc SpecializationMapEntry[SpecializationConstants.Count];
        for (var i = 0; i < SpecializationConstants.Count; i++)
        {
            entries[i] = new SpecializationMapEntry { ConstantID = (uint)i, Offset = (uint)(i * sizeof(uint)), Size = sizeof(uint) };
        }
        var values = stackalloc uint[] { constants.C0, constants.C1, constants.C2, constants.C3 };
        var specialization = new SpecializationInfo
        {
            MapEntryCount = SpecializationConstants.Count,
            PMapEntries = entries,
            DataSize = SpecializationConstants.Count * sizeof(uint),
            PData = values,
        };
        var entryPoint = (byte*)SilkMarshal.StringToPtr("main");
        try
        {
            var info = new ComputePipelineCreateInfo
            {
                SType = StructureType.ComputePipelineCreateInfo,
                Stage = new PipelineShaderStageCreateInfo
                {
                    SType = StructureType.PipelineShaderStageCreateInfo,
                    Stage = ShaderStageFlags.ComputeBit,
                    Module = module,
                    PName = entryPoint,
                    PSpecializationInfo = &specialization,
                },
                Layout = pipelineLayout,
            };
            Pipeline handle;
            var result = vk.CreateComputePipelines(device.Handle, default, 1, &info, null, &handle);
            if (result != Result.Success)
            {
                throw PipelineFailure(shader, result);
            }
            return new ComputePipeline(handle, pipelineLayout, setLayout, shader.Bindings);
        }
        finally
        {
            SilkMarshal.Free((nint)entryPoint);
        }
    }

    private ShaderModule Module(Shader shader)
    {
        if (modules.TryGetValue(shader.Name, out var module))
        {
            return module;
        }
        var code = EmbeddedSpirV(shader);
        fixed (byte* first = code)
        {
            var info = new ShaderModuleCreateInfo
            {
                SType = StructureType.ShaderModuleCreateInfo,
                CodeSize = (nuint)code.Length,
                PCode = (uint*)first,
            };
            var result = vk.CreateShaderModule(device.Handle, in info, null, out module);
            if (result != Result.Success)
            {
                throw PipelineFailure(shader, result);
            }
        }
        modules.Add(shader.Name, module);
        return module;
    }

    private (DescriptorSetLayout, PipelineLayout) Layouts(int bindings)
    {
        if (layouts.TryGetValue(bindings, out var existing))
        {
            return existing;
        }
        var bindingInfos = stackalloc DescriptorSetLayoutBinding[bindings];
        for (var i = 0; i < bindings; i++)
        {
            bindingInfos[i] = new DescriptorSetLayoutBinding
            {
                Binding = (uint)i,
                DescriptorType = DescriptorType.StorageBuffer,
                DescriptorCount = 1,
                StageFlags = ShaderStageFlags.ComputeBit,
            };
        }
        var setInfo = new DescriptorSetLayoutCreateInfo
        {
            SType = StructureType.DescriptorSetLayoutCreateInfo,
            BindingCount = (uint)bindings,
            PBindings = bindingInfos,
        };
        VulkanCalls.Check(vk.CreateDescriptorSetLayout(device.Handle, in setInfo, null, out var setLayout), "create a descriptor set layout");
        var pushRange = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = PushConstantBytes };
        var pipelineInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &setLayout,
            PushConstantRangeCount = 1,
            PPushConstantRanges = &pushRange,
        };
        var result = vk.CreatePipelineLayout(device.Handle, in pipelineInfo, null, out var pipelineLayout);
        if (result != Result.Success)
        {
            vk.DestroyDescriptorSetLayout(device.Handle, setLayout, null);
            throw VulkanCalls.Failure(result, "create a pipeline layout");
        }
        layouts.Add(bindings, (setLayout, pipelineLayout));
        return (setLayout, pipelineLayout);
    }

    private static byte[] EmbeddedSpirV(Shader shader)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(shader.ResourceName)
            ?? throw new DeviceUnavailableException(
                $"shader {shader.Name} is missing from Descent.Kernels: rebuild it after running shaders/compile.sh");
        var code = new byte[stream.Length];
        stream.ReadExactly(code);
        return code;
    }

    private DeviceUnavailableException PipelineFailure(Shader shader, Result result) => new(
        $"{device.Physical.Name} could not build the {shader.Name} shader ({result}): update the Vulkan driver " +
        "(mesa-vulkan-drivers for lavapipe), or report it with `descent devices` output");
}
