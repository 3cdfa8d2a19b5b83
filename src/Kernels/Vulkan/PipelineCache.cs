using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Creates each (shader, specialization) pipeline once, on first use, and keeps it until disposed.
/// Shader modules come from the SPIR-V embedded in this assembly. Layouts follow what each shader's
/// SPIR-V declares: shaders with N bindings share one descriptor-set layout (N storage buffers), and
/// those that also have a P-byte push-constant block one pipeline layout (a P-byte push-constant range).
/// </summary>
internal sealed unsafe class PipelineCache(Vk vk, VulkanDevice device) : IDisposable
{
    private readonly Dictionary<Shader, ShaderModule> modules = [];
    private readonly Dictionary<int, DescriptorSetLayout> setLayouts = [];
    private readonly Dictionary<(int Bindings, int PushConstantBytes), PipelineLayout> pipelineLayouts = [];
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
        foreach (var layout in pipelineLayouts.Values)
        {
            vk.DestroyPipelineLayout(device.Handle, layout, null);
        }
        foreach (var layout in setLayouts.Values)
        {
            vk.DestroyDescriptorSetLayout(device.Handle, layout, null);
        }
        foreach (var module in modules.Values)
        {
            vk.DestroyShaderModule(device.Handle, module, null);
        }
    }

    private ComputePipeline Create(Shader shader, SpecializationConstants constants)
    {
        var module = Module(shader);
        var (setLayout, pipelineLayout) = Layouts(shader);
        var entries = stackalloc SpecializationMapEntry[SpecializationConstants.Count];
        for (var i = 0; i < SpecializationConstants.Count; i++)
        {
            entries[i] = new SpecializationMapEntry { ConstantID = (uint)i, Offset = (uint)(i * sizeof(uint)), Size = sizeof(uint) };
        }
        var values = stackalloc uint[]
        {
            constants.C0, constants.C1, constants.C2, constants.C3, constants.C4, constants.EpilogueBias, constants.EpilogueActivation,
        };
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
            return new ComputePipeline(handle, pipelineLayout, setLayout);
        }
        finally
        {
            SilkMarshal.Free((nint)entryPoint);
        }
    }

    private ShaderModule Module(Shader shader)
    {
        if (modules.TryGetValue(shader, out var module))
        {
            return module;
        }
        fixed (byte* first = shader.Code)
        {
            var info = new ShaderModuleCreateInfo
            {
                SType = StructureType.ShaderModuleCreateInfo,
                CodeSize = (nuint)shader.Code.Length,
                PCode = (uint*)first,
            };
            var result = vk.CreateShaderModule(device.Handle, in info, null, out module);
            if (result != Result.Success)
            {
                throw PipelineFailure(shader, result);
            }
        }
        modules.Add(shader, module);
        return module;
    }

    /// <summary>
    /// The layouts of <paramref name="shader"/>: its storage buffers in set 0, and a push-constant range
    /// as large as its block.
    /// </summary>
    private (DescriptorSetLayout, PipelineLayout) Layouts(Shader shader)
    {
        var setLayout = SetLayout(shader.Bindings);
        var pushConstantBytes = shader.PushConstantBytes;
        if (pipelineLayouts.TryGetValue((shader.Bindings, pushConstantBytes), out var existing))
        {
            return (setLayout, existing);
        }
        if (pushConstantBytes > device.Physical.Limits.MaxPushConstantsSize)
        {
            throw new DeviceUnavailableException(
                $"{device.Physical.Name} takes {device.Physical.Limits.MaxPushConstantsSize} bytes of push constants, " +
                $"fewer than the {pushConstantBytes} shader {shader.Name} declares");
        }
        var pushRange = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = (uint)pushConstantBytes };
        var pipelineInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &setLayout,
            // Vulkan forbids an empty range: a shader without push constants gets none.
            PushConstantRangeCount = pushConstantBytes == 0 ? 0u : 1u,
            PPushConstantRanges = &pushRange,
        };
        VulkanCalls.Check(vk.CreatePipelineLayout(device.Handle, in pipelineInfo, null, out var pipelineLayout), "create a pipeline layout");
        pipelineLayouts.Add((shader.Bindings, pushConstantBytes), pipelineLayout);
        return (setLayout, pipelineLayout);
    }

    /// <summary>
    /// One descriptor-set layout per binding count, shared by every shader with that many storage
    /// buffers, so a cached descriptor set fits each shader that binds the same buffers.
    /// </summary>
    private DescriptorSetLayout SetLayout(int bindings)
    {
        if (setLayouts.TryGetValue(bindings, out var existing))
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
        setLayouts.Add(bindings, setLayout);
        return setLayout;
    }

    private DeviceUnavailableException PipelineFailure(Shader shader, Result result) => new(
        $"{device.Physical.Name} could not build the {shader.Name} shader ({result}): update the Vulkan driver " +
        "(mesa-vulkan-drivers for lavapipe), or report it with `descent devices` output");
}
