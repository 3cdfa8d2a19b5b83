using System.Runtime.CompilerServices;

namespace Descent.Kernels.Vulkan;

// What every op shares. Each op lives in the file of its group (VulkanBackend.Gemm.cs, .Losses.cs, ...)
// beside the push-constant struct it sends, marked [PushConstantsFor] with its shaders' names. The ops
// pick their shader, specialization and dispatch size and record it; arguments were validated by
// ComputeBackend, so every dispatch stays inside its buffers. Bindings follow the shader's declarations;
// where a mode uses fewer buffers than the shader declares, a buffer the op already binds fills the
// unused slot, which is a readonly one. Which buffers a dispatch writes comes from the shader too (its
// bindings not declared readonly), and decides the barriers.
public sealed partial class VulkanBackend
{
    // Specialization constant values the shaders compare against.
    private const uint Forward = 0;
    private const uint Backward = 1;

    private void Dispatch<TPush>(Shader shader, SpecializationConstants constants, ReadOnlySpan<BufferRegion> buffers, in TPush push,
        uint groupsX, uint groupsY = 1, uint groupsZ = 1) where TPush : unmanaged
    {
        shader.CheckDispatch<TPush>(buffers.Length);
        var pipeline = pipelines.Get(shader, constants);
        var set = descriptorSets.Get(pipeline, buffers);
        recorder.Dispatch(pipeline, set, buffers, shader.WrittenBindings, push, groupsX, groupsY, groupsZ);
    }

    /// <summary>Constants of a grid-stride shader: the workgroup width, then the shader's own.</summary>
    private SpecializationConstants GridStride(uint first = 0, uint second = 0) => new(shape.WorkgroupWidth, first, second);

    /// <summary>
    /// The specialization code of an enum member a shader switches on (ACTIVATION, LOSS): the member's
    /// number, which never changes since members are only appended. An undefined value is refused here,
    /// before a shader would take it for some member.
    /// </summary>
    private static uint Code<TEnum>(TEnum value, string what) where TEnum : struct, Enum =>
        DefinedMembers<TEnum>.Contains(value) ? Unsafe.BitCast<TEnum, uint>(value) : throw new InvalidInputException($"unknown {what} {value}");

    /// <summary>
    /// An enum's members, read once. Enum.IsDefined finds them through the type's reflection cache, which
    /// the runtime holds only weakly: after a garbage collection (any other thread's) the next call rebuilds
    /// it, allocating 248 bytes on a training step's path.
    /// </summary>
    private static class DefinedMembers<TEnum> where TEnum : struct, Enum
    {
        private static readonly TEnum[] Members = Enum.GetValues<TEnum>();

        public static bool Contains(TEnum value)
        {
            foreach (var member in Members)
            {
                if (EqualityComparer<TEnum>.Default.Equals(member, value))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
