using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Descent.Kernels;
using Descent.Kernels.Vulkan;
using Xunit;

namespace Descent.Tests.Vulkan;

/// <summary>
/// What the C# side of the Vulkan backend sends each shader agrees with what the shader's SPIR-V
/// declares. These read the embedded SPIR-V only, so they run without a Vulkan device (and so without
/// lavapipe); the dispatch-time check of the buffer count runs wherever the conformance suite does.
/// </summary>
public sealed class ShaderDeclarationTests
{
    public static TheoryData<string> ShaderNames() => new(Shader.Names);

    [Fact]
    public void The_embedded_shaders_are_exactly_the_sources_in_shaders()
    {
        var sources = Directory.GetFiles(RepositoryShaders.Folder, "*.comp").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);

        Assert.Equal(sources, Shader.Names);
    }

    [Theory]
    [MemberData(nameof(ShaderNames))]
    public void Each_shader_has_one_push_constant_struct_laid_out_as_its_block(string name)
    {
        var shader = Shader.Named(name);
        var structs = PushConstantStructs().Where(type => Shaders(type).Contains(name)).ToArray();

        if (shader.PushConstantBytes == 0)
        {
            Assert.True(structs.Length == 0,
                $"{name} declares no push constants, yet {string.Join(", ", structs.Select(s => s.Name))} names it");
            return;
        }
        Assert.True(structs.Length == 1,
            $"{name} declares push constants, so exactly one struct must be marked [PushConstantsFor(\"{name}\")]; found {structs.Length}");
        var pushed = structs[0];
        Assert.True(SizeOf(pushed) == shader.PushConstantBytes,
            $"{pushed.Name} is {SizeOf(pushed)} bytes; {name} declares {shader.PushConstantBytes}");
        var declared = shader.PushConstants.Select(member => $"{member.Type.Name} at {member.Offset}").ToArray();
        var fields = Scalars(pushed, 0).ToArray();
        var sent = fields.Select(field => $"{field.Type.Name} at {field.Offset}").ToArray();
        var named = fields.Select(field => $"{field.Name}: {field.Type.Name} at {field.Offset}");
        Assert.True(declared.SequenceEqual(sent), $"{name} declares [{string.Join(", ", declared)}]; {pushed.Name} has [{string.Join(", ", named)}]");
    }

    [Fact]
    public void Every_push_constant_struct_names_embedded_shaders_only()
    {
        var named = PushConstantStructs().SelectMany(type => Shaders(type).Select(shader => (Struct: type.Name, Shader: shader)));

        Assert.All(named, pair => Assert.True(Shader.Names.Contains(pair.Shader),
            $"{pair.Struct} is marked for shader {pair.Shader}, which is not embedded"));
    }

    /// <summary>
    /// The bindings a shader leaves writable are those it stores to, in any direction: the recorder's barriers
    /// follow the writable ones, and so does the validation layer's synchronization check, so an input left
    /// without <c>readonly</c> would be taken for a writer. What is stored to is read from the same SPIR-V
    /// (stores and atomics through access chains rooted at each binding's variable), so no list of outputs
    /// is kept by hand.
    /// </summary>
    [Theory]
    [MemberData(nameof(ShaderNames))]
    public void Each_shader_leaves_writable_only_the_bindings_it_stores_to(string name)
    {
        var shader = Shader.Named(name);

        var writable = Enumerable.Range(0, shader.Bindings).Where(binding => (shader.WrittenBindings & (1u << binding)) != 0);

        Assert.Equal(StoredBindings(shader.Code), writable);
    }

    [Fact]
    public void A_buffer_is_read_only_when_its_variable_or_every_member_of_its_block_is_non_writable()
    {
        // Decoration 24 is NonWritable. Block 6 (a second struct { uint[] }, pointer 7) has no decorated
        // member: its variable 10 (binding 0) is decorated itself, its variable 12 (binding 2) is not.
        // Variable 11 (binding 1) is of block 3, whose only member is decorated.
        uint[] secondBlock = [.. Instruction(30, 6, 2), .. Instruction(32, 7, 12, 6)];
        var code = Module(
        [
            .. secondBlock,
            .. Instruction(59, 7, 10, 12), .. Instruction(71, 10, 33, 0), .. Instruction(71, 10, 34, 0), .. Instruction(71, 10, 24),
            .. StorageBuffer(id: 11, binding: 1, set: 0), .. Instruction(72, 3, 0, 24),
            .. Instruction(59, 7, 12, 12), .. Instruction(71, 12, 33, 2), .. Instruction(71, 12, 34, 0),
        ]);

        var declarations = SpirVReader.Read("readonly", code);

        Assert.Equal(3, declarations.Bindings);
        Assert.Equal(0b100u, declarations.WrittenBindings);
    }

    [Fact]
    public void A_shader_is_read_once_and_kept()
    {
        Assert.Same(Shader.Named("gemm_register_blocks"), Shader.Named("gemm_register_blocks"));
    }

    [Fact]
    public void A_shader_that_is_not_embedded_is_named_with_those_that_are()
    {
        var error = Assert.Throws<DeviceUnavailableException>(() => Shader.Named("gemm_blocked"));

        Assert.Contains("shader gemm_blocked is missing", error.Message);
        Assert.Contains("gemm_register_blocks", error.Message);
    }

    [Fact]
    public void A_dispatch_binding_other_buffers_or_pushing_another_size_than_declared_is_refused()
    {
        var fill = Shader.Named("fill");

        fill.CheckDispatch<FillBlock>(1);
        var buffers = Assert.Throws<InvalidOperationException>(() => fill.CheckDispatch<FillBlock>(2));
        var push = Assert.Throws<InvalidOperationException>(() => fill.CheckDispatch<uint>(1));

        Assert.Equal("shader fill declares 1 storage buffers, but its dispatch binds 2", buffers.Message);
        Assert.Contains("shader fill declares 12 bytes of push constants, but its dispatch pushes UInt32 of 4", push.Message);
    }

    [Fact]
    public void Bytes_that_are_not_spirv_are_refused_with_the_shader_name()
    {
        var error = Assert.Throws<InvalidDataException>(() => SpirVReader.Read("broken", new byte[24]));

        Assert.Contains("shader broken is malformed", error.Message);
    }

    [Fact]
    public void Buffers_numbered_with_a_gap_are_refused()
    {
        var code = Module([.. StorageBuffer(id: 10, binding: 0, set: 0), .. StorageBuffer(id: 11, binding: 2, set: 0)]);

        var error = Assert.Throws<InvalidDataException>(() => SpirVReader.Read("gapped", code));

        Assert.Contains("its bindings are 0, 2", error.Message);
    }

    [Fact]
    public void A_buffer_outside_descriptor_set_0_is_refused()
    {
        var code = Module(StorageBuffer(id: 10, binding: 0, set: 1));

        var error = Assert.Throws<InvalidDataException>(() => SpirVReader.Read("set_one", code));

        Assert.Contains("binding 0 is in descriptor set 1", error.Message);
    }

    [Fact]
    public void A_uniform_buffer_is_refused()
    {
        // A Uniform variable whose block is decorated Block (2), not BufferBlock (3): a uniform buffer.
        var code = Module(
            [.. Instruction(71, 3, 2), .. Instruction(59, 5, 10, 2), .. Instruction(71, 10, 33, 0), .. Instruction(71, 10, 34, 0)]);

        var error = Assert.Throws<InvalidDataException>(() => SpirVReader.Read("uniform", code));

        Assert.Contains("binding 0 is not a storage buffer", error.Message);
    }

    /// <summary>fill.comp's push constants; it binds one buffer.</summary>
    private readonly record struct FillBlock(float Value, uint Offset, uint Count);

    private static IEnumerable<Type> PushConstantStructs() =>
        typeof(VulkanBackend).Assembly.GetTypes().Where(type => type.GetCustomAttribute<PushConstantsForAttribute>() is not null);

    private static IReadOnlyList<string> Shaders(Type type) => type.GetCustomAttribute<PushConstantsForAttribute>()!.Shaders;

    private static int SizeOf(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    /// <summary>The scalar fields of <paramref name="type"/> in memory order, nested structs flattened, with their byte offsets.</summary>
    private static IEnumerable<(int Offset, Type Type, string Name)> Scalars(Type type, int offset)
    {
        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(field => (Field: field, Offset: offset + (int)Marshal.OffsetOf(type, field.Name)))
            .OrderBy(field => field.Offset);
        foreach (var (field, fieldOffset) in fields)
        {
            if (field.FieldType.IsPrimitive || field.FieldType == typeof(Half))
            {
                // A record struct's field is "<Name>k__BackingField".
                yield return (fieldOffset, field.FieldType, field.Name.TrimStart('<').Split('>')[0]);
            }
            else
            {
                foreach (var scalar in Scalars(field.FieldType, fieldOffset))
                {
                    yield return scalar;
                }
            }
        }
    }

    /// <summary>
    /// The bindings whose buffers some instruction stores to: OpStore, OpCopyMemory or an atomic that writes,
    /// through a pointer that access chains (or copies of them) lead back to the binding's variable.
    /// </summary>
    private static int[] StoredBindings(byte[] code)
    {
        var words = MemoryMarshal.Cast<byte, uint>(code).ToArray();
        var bindingOf = new Dictionary<uint, int>();
        var baseOf = new Dictionary<uint, uint>();
        var storedPointers = new List<uint>();
        for (var at = 5; at < words.Length; at += (int)(words[at] >> 16))
        {
            var opcode = words[at] & 0xFFFF;
            switch (opcode)
            {
                case 71 when words[at + 2] == 33: // OpDecorate Binding
                    bindingOf[words[at + 1]] = (int)words[at + 3];
                    break;
                case 65 or 66 or 67 or 83: // OpAccessChain, OpInBoundsAccessChain, OpPtrAccessChain, OpCopyObject
                    baseOf[words[at + 2]] = words[at + 3];
                    break;
                case 62 or 63 or 228: // OpStore, OpCopyMemory, OpAtomicStore: the pointer first
                    storedPointers.Add(words[at + 1]);
                    break;
                case (>= 229 and <= 242) or 6035: // OpAtomicExchange to OpAtomicXor, OpAtomicFAddEXT: the pointer after the result
                    storedPointers.Add(words[at + 3]);
                    break;
            }
        }
        return storedPointers.Select(pointer =>
            {
                while (baseOf.TryGetValue(pointer, out var source))
                {
                    pointer = source;
                }
                return bindingOf.TryGetValue(pointer, out var binding) ? binding : -1;
            })
            .Where(binding => binding >= 0).Distinct().Order().ToArray();
    }

    // A minimal SPIR-V module for the reader: the header, the types below, then the given instructions.
    // Ids: 1 uint, 2 runtime array of uint, 3 struct { uint[] }, 4 StorageBuffer pointer to 3, 5 Uniform pointer to 3.
    private static byte[] Module(uint[] instructions)
    {
        uint[] header = [0x07230203, 0x00010300, 0, 100, 0];
        uint[] types =
        [
            .. Instruction(21, 1, 32, 0), .. Instruction(29, 2, 1), .. Instruction(30, 3, 2),
            .. Instruction(32, 4, 12, 3), .. Instruction(32, 5, 2, 3),
        ];
        uint[] words = [.. header, .. types, .. instructions];
        return MemoryMarshal.AsBytes(words.AsSpan()).ToArray();
    }

    // A storage buffer variable: OpVariable (59) of pointer 4 in StorageBuffer (12), decorated (71) Binding (33) and DescriptorSet (34).
    private static uint[] StorageBuffer(uint id, uint binding, uint set) =>
        [.. Instruction(59, 4, id, 12), .. Instruction(71, id, 33, binding), .. Instruction(71, id, 34, set)];

    private static uint[] Instruction(ushort opcode, params uint[] operands) => [(uint)(operands.Length + 1) << 16 | opcode, .. operands];
}
