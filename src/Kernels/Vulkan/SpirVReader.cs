using System.Buffers.Binary;

namespace Descent.Kernels.Vulkan;

/// <summary>One member of a shader's push-constant block: its byte offset and the C# type of the same scalar.</summary>
internal readonly record struct PushConstantMember(int Offset, Type Type, int Bytes);

/// <summary>What a shader declares, as <see cref="SpirVReader"/> reads it from its SPIR-V.</summary>
/// <param name="Bindings">The storage buffers it binds: bindings 0 to Bindings-1 of set 0.</param>
/// <param name="WrittenBindings">Bit i set when binding i may be written: it is not declared readonly.</param>
/// <param name="PushConstants">The members of its push-constant block in declaration order; none without one.</param>
internal sealed record ShaderDeclarations(int Bindings, uint WrittenBindings, PushConstantMember[] PushConstants);

/// <summary>
/// Reads from a shader's SPIR-V the storage buffers it binds, which of them it may write, and the layout
/// of its push-constant block, so the backend builds descriptor-set and pipeline layouts, and places its
/// barriers, from what the shader declares instead of from a list kept beside it. It reads only the few instructions that say so (SPIR-V specification,
/// section 2.3: a 5-word header, then instructions whose first word is word count &lt;&lt; 16 | opcode), and
/// refuses what the backend cannot bind: a binding that is not a storage buffer, a descriptor set other
/// than 0, gaps in the binding numbers, or a push-constant member that is not a scalar.
/// </summary>
internal static class SpirVReader
{
    private const uint Magic = 0x07230203;
    private const int HeaderWords = 5;

    private const int OpTypeInt = 21;
    private const int OpTypeFloat = 22;
    private const int OpTypeStruct = 30;
    private const int OpTypePointer = 32;
    private const int OpVariable = 59;
    private const int OpDecorate = 71;
    private const int OpMemberDecorate = 72;

    private const uint DecorationBufferBlock = 3;
    private const uint DecorationNonWritable = 24;
    private const uint DecorationBinding = 33;
    private const uint DecorationDescriptorSet = 34;
    private const uint DecorationOffset = 35;

    private const uint StorageClassUniform = 2;
    private const uint StorageClassPushConstant = 9;
    private const uint StorageClassStorageBuffer = 12;

    /// <summary>
    /// What <paramref name="code"/> declares. A binding counts as written unless its variable, or every
    /// member of its block, is decorated NonWritable (GLSL's readonly, which the compiler enforces): the
    /// module as a whole, every specialization of it, as the validation layer also judges a binding.
    /// </summary>
    /// <exception cref="InvalidDataException">The code is not SPIR-V, or declares what the backend cannot bind.</exception>
    public static ShaderDeclarations Read(string shader, ReadOnlySpan<byte> code)
    {
        var words = Words(shader, code);
        var bindings = new Dictionary<uint, uint>();
        var descriptorSets = new Dictionary<uint, uint>();
        var bufferBlocks = new HashSet<uint>();
        var memberOffsets = new Dictionary<(uint Struct, uint Member), int>();
        var nonWritable = new HashSet<uint>();
        var nonWritableMembers = new HashSet<(uint Struct, uint Member)>();
        var structs = new Dictionary<uint, uint[]>();
        var pointers = new Dictionary<uint, uint>();
        var scalars = new Dictionary<uint, (Type Type, int Bytes)>();
        var variables = new List<(uint Id, uint PointerType, uint StorageClass)>();

        for (var at = HeaderWords; at < words.Length;)
        {
            var wordCount = (int)(words[at] >> 16);
            var opcode = (int)(words[at] & 0xffff);
            if (wordCount == 0 || at + wordCount > words.Length)
            {
                throw Malformed(shader, $"the instruction at word {at} runs past the end");
            }
            var operands = words.AsSpan(at + 1, wordCount - 1);
            at += wordCount;
            switch (opcode)
            {
                case OpDecorate when operands[1] == DecorationBinding:
                    bindings[operands[0]] = operands[2];
                    break;
                case OpDecorate when operands[1] == DecorationDescriptorSet:
                    descriptorSets[operands[0]] = operands[2];
                    break;
                case OpDecorate when operands[1] == DecorationBufferBlock:
                    bufferBlocks.Add(operands[0]);
                    break;
                case OpDecorate when operands[1] == DecorationNonWritable:
                    nonWritable.Add(operands[0]);
                    break;
                case OpMemberDecorate when operands[2] == DecorationOffset:
                    memberOffsets[(operands[0], operands[1])] = (int)operands[3];
                    break;
                case OpMemberDecorate when operands[2] == DecorationNonWritable:
                    nonWritableMembers.Add((operands[0], operands[1]));
                    break;
                case OpTypeInt:
                    scalars[operands[0]] = IntegerType(shader, operands[1], signed: operands[2] == 1);
                    break;
                case OpTypeFloat:
                    scalars[operands[0]] = FloatType(shader, operands[1]);
                    break;
                case OpTypeStruct:
                    structs[operands[0]] = operands[1..].ToArray();
                    break;
                case OpTypePointer:
                    pointers[operands[0]] = operands[2];
                    break;
                case OpVariable:
                    variables.Add((operands[1], operands[0], operands[2]));
                    break;
            }
        }

        PushConstantMember[] pushConstants = [];
        var bound = new List<uint>();
        var readOnly = new HashSet<uint>();
        foreach (var (id, pointerType, storageClass) in variables)
        {
            var block = pointers.GetValueOrDefault(pointerType);
            if (storageClass == StorageClassPushConstant)
            {
                pushConstants = Members(shader, block, structs, memberOffsets, scalars);
            }
            else if (bindings.TryGetValue(id, out var binding))
            {
                // SPIR-V 1.3 names a storage buffer by its storage class; older SPIR-V by a Uniform
                // variable whose block is decorated BufferBlock.
                var storageBuffer = storageClass == StorageClassStorageBuffer
                    || (storageClass == StorageClassUniform && bufferBlocks.Contains(block));
                if (!storageBuffer)
                {
                    throw Unsupported(shader, $"binding {binding} is not a storage buffer, the only kind the backend binds");
                }
                if (descriptorSets.GetValueOrDefault(id) != 0)
                {
                    throw Unsupported(shader, $"binding {binding} is in descriptor set {descriptorSets[id]}; the backend binds set 0 only");
                }
                bound.Add(binding);
                var members = structs.GetValueOrDefault(block, []);
                if (nonWritable.Contains(id) || (members.Length > 0 && AllMembers(block, members.Length, nonWritableMembers)))
                {
                    readOnly.Add(binding);
                }
            }
        }
        bound.Sort();
        for (var i = 0; i < bound.Count; i++)
        {
            if (bound[i] != i)
            {
                throw Unsupported(shader, $"its bindings are {string.Join(", ", bound)}; the backend binds buffers 0 to N-1, each once");
            }
        }
        if (bound.Count > 32)
        {
            throw Unsupported(shader, $"it binds {bound.Count} buffers; the backend tracks at most 32 per shader");
        }
        var written = 0u;
        foreach (var binding in bound)
        {
            written |= readOnly.Contains(binding) ? 0u : 1u << (int)binding;
        }
        return new ShaderDeclarations(bound.Count, written, pushConstants);
    }

    private static bool AllMembers(uint block, int count, HashSet<(uint Struct, uint Member)> decorated)
    {
        for (var member = 0u; member < count; member++)
        {
            if (!decorated.Contains((block, member)))
            {
                return false;
            }
        }
        return true;
    }

    private static uint[] Words(string shader, ReadOnlySpan<byte> code)
    {
        if (code.Length % sizeof(uint) != 0 || code.Length < HeaderWords * sizeof(uint))
        {
            throw Malformed(shader, $"{code.Length} bytes is not a whole SPIR-V module");
        }
        var words = new uint[code.Length / sizeof(uint)];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(code[(i * sizeof(uint))..]);
        }
        if (words[0] != Magic)
        {
            throw Malformed(shader, $"it starts with 0x{words[0]:x8}, not the SPIR-V magic number 0x{Magic:x8}");
        }
        return words;
    }

    private static PushConstantMember[] Members(string shader, uint block, Dictionary<uint, uint[]> structs,
        Dictionary<(uint, uint), int> memberOffsets, Dictionary<uint, (Type Type, int Bytes)> scalars)
    {
        if (!structs.TryGetValue(block, out var memberTypes))
        {
            throw Malformed(shader, "its push constants are not a block");
        }
        var members = new PushConstantMember[memberTypes.Length];
        for (var i = 0; i < members.Length; i++)
        {
            if (!scalars.TryGetValue(memberTypes[i], out var scalar))
            {
                throw Unsupported(shader, $"push-constant member {i} is not a scalar, the only kind this reader lays out");
            }
            if (!memberOffsets.TryGetValue((block, (uint)i), out var offset))
            {
                throw Malformed(shader, $"push-constant member {i} has no offset");
            }
            members[i] = new PushConstantMember(offset, scalar.Type, scalar.Bytes);
        }
        return members;
    }

    private static (Type, int) IntegerType(string shader, uint width, bool signed) => (width, signed) switch
    {
        (8, true) => (typeof(sbyte), 1),
        (8, false) => (typeof(byte), 1),
        (16, true) => (typeof(short), 2),
        (16, false) => (typeof(ushort), 2),
        (32, true) => (typeof(int), 4),
        (32, false) => (typeof(uint), 4),
        (64, true) => (typeof(long), 8),
        (64, false) => (typeof(ulong), 8),
        _ => throw Malformed(shader, $"it declares a {width}-bit integer"),
    };

    private static (Type, int) FloatType(string shader, uint width) => width switch
    {
        16 => (typeof(Half), 2),
        32 => (typeof(float), 4),
        64 => (typeof(double), 8),
        _ => throw Malformed(shader, $"it declares a {width}-bit float"),
    };

    private static InvalidDataException Malformed(string shader, string problem) =>
        new($"the embedded SPIR-V of shader {shader} is malformed: {problem}; rerun shaders/compile.sh");

    private static InvalidDataException Unsupported(string shader, string problem) =>
        new($"shader {shader} declares what the Vulkan backend cannot bind: {problem}");
}
