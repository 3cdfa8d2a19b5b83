namespace Descent.Kernels.Vulkan;

/// <summary>
/// The values of specialization constants 0 to 3 for one pipeline. Constant 0 is the workgroup width
/// in every shader that takes one; the others are what each shader declares (workgroup height, tile
/// sizes, forward or backward, which activation or loss). Entries a shader does not declare are ignored.
/// </summary>
internal readonly record struct SpecializationConstants(uint C0, uint C1 = 0, uint C2 = 0, uint C3 = 0)
{
    public const int Count = 4;
}
