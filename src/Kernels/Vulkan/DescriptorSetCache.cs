using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// One descriptor set per distinct list of bound buffers, written once and reused: a training step binds
/// the same buffers to the same shaders every step, so after the first step no set is allocated or
/// updated. A set is never rewritten while a recorded command may still use it; it is freed when one of
/// its buffers is (the backend finishes pending work first). Pools are added as sets accumulate.
/// </summary>
internal sealed unsafe class DescriptorSetCache(Vk vk, VulkanDevice device) : IDisposable
{
    /// <summary>The most buffers one shader binds (batch normalisation's 8); <see cref="Shader"/> refuses a shader that binds more.</summary>
    public const int MaxBindings = 8;

    private const uint SetsPerPool = 512;

    private readonly List<DescriptorPool> pools = [];
    private readonly Dictionary<BoundBuffers, (DescriptorSet Set, DescriptorPool Pool)> sets = [];

    public DescriptorSet Get(ComputePipeline pipeline, ReadOnlySpan<BufferRegion> buffers)
    {
        var key = BoundBuffers.Of(buffers);
        if (sets.TryGetValue(key, out var cached))
        {
            return cached.Set;
        }
        var (set, pool) = Allocate(pipeline.SetLayout);
        var infos = stackalloc DescriptorBufferInfo[buffers.Length];
        var writes = stackalloc WriteDescriptorSet[buffers.Length];
        for (var i = 0; i < buffers.Length; i++)
        {
            var region = buffers[i];
            infos[i] = new DescriptorBufferInfo { Buffer = region.Allocation.Buffer, Offset = region.Offset, Range = region.Bytes };
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet,
                DstSet = set,
                DstBinding = (uint)i,
                DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer,
                PBufferInfo = &infos[i],
            };
        }
        vk.UpdateDescriptorSets(device.Handle, (uint)buffers.Length, writes, 0, null);
        sets.Add(key, (set, pool));
        return set;
    }

    /// <summary>Frees every set that binds <paramref name="allocation"/>; call only when no pending command uses them.</summary>
    public void Forget(VulkanAllocation allocation)
    {
        List<BoundBuffers>? stale = null;
        foreach (var key in sets.Keys)
        {
            if (key.Contains(allocation.Id))
            {
                (stale ??= []).Add(key);
            }
        }
        if (stale is null)
        {
            return;
        }
        foreach (var key in stale)
        {
            var (set, pool) = sets[key];
            vk.FreeDescriptorSets(device.Handle, pool, 1, &set);
            sets.Remove(key);
        }
    }

    public void Dispose()
    {
        foreach (var pool in pools)
        {
            vk.DestroyDescriptorPool(device.Handle, pool, null);
        }
    }

    private (DescriptorSet, DescriptorPool) Allocate(DescriptorSetLayout layout)
    {
        if (pools.Count > 0 && TryAllocate(pools[^1], layout, out var set))
        {
            return (set, pools[^1]);
        }
        var pool = CreatePool();
        pools.Add(pool);
        if (!TryAllocate(pool, layout, out set))
        {
            throw new DeviceUnavailableException($"{device.Physical.Name} cannot allocate a descriptor set from a new pool");
        }
        return (set, pool);
    }

    private bool TryAllocate(DescriptorPool pool, DescriptorSetLayout layout, out DescriptorSet set)
    {
        var info = new DescriptorSetAllocateInfo
        {
            SType = StructureType.DescriptorSetAllocateInfo,
            DescriptorPool = pool,
            DescriptorSetCount = 1,
            PSetLayouts = &layout,
        };
        var result = vk.AllocateDescriptorSets(device.Handle, in info, out set);
        if (result is Result.ErrorOutOfPoolMemory or Result.ErrorFragmentedPool)
        {
            return false;
        }
        VulkanCalls.Check(result, "allocate a descriptor set");
        return true;
    }

    private DescriptorPool CreatePool()
    {
        var size = new DescriptorPoolSize { Type = DescriptorType.StorageBuffer, DescriptorCount = SetsPerPool * MaxBindings };
        var info = new DescriptorPoolCreateInfo
        {
            SType = StructureType.DescriptorPoolCreateInfo,
            Flags = DescriptorPoolCreateFlags.FreeDescriptorSetBit,
            MaxSets = SetsPerPool,
            PoolSizeCount = 1,
            PPoolSizes = &size,
        };
        VulkanCalls.Check(vk.CreateDescriptorPool(device.Handle, in info, null, out var pool), "create a descriptor pool");
        return pool;
    }

    /// <summary>
    /// The buffers of a set by allocation id and byte range, binding 0 first; id 0 marks an unused binding.
    /// The dispatch has checked that there are as many as the shader binds, so at most <see cref="MaxBindings"/>.
    /// </summary>
    private readonly record struct BoundBuffers(Binding B0, Binding B1, Binding B2, Binding B3, Binding B4, Binding B5, Binding B6,
        Binding B7)
    {
        public static BoundBuffers Of(ReadOnlySpan<BufferRegion> buffers)
        {
            Span<Binding> bindings = stackalloc Binding[MaxBindings];
            for (var i = 0; i < buffers.Length; i++)
            {
                var region = buffers[i];
                bindings[i] = new Binding(region.Allocation.Id, region.Offset, region.Bytes);
            }
            return new BoundBuffers(bindings[0], bindings[1], bindings[2], bindings[3], bindings[4], bindings[5], bindings[6], bindings[7]);
        }

        public bool Contains(long id) =>
            B0.Id == id || B1.Id == id || B2.Id == id || B3.Id == id || B4.Id == id || B5.Id == id || B6.Id == id || B7.Id == id;
    }

    private readonly record struct Binding(long Id, ulong Offset, ulong Bytes);
}
