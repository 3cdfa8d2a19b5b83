namespace Descent.Kernels.Vulkan;

/// <summary>
/// The values of specialization constants 0 to 6 for one pipeline. Constant 0 is the workgroup width
/// in every shader that takes one; constants 1 to 4 are what each shader declares (workgroup height, tile
/// sizes, forward or backward, which activation or loss); 5 and 6 are the GEMM epilogue's (has-bias and
/// activation code, shaders/include/epilogue.glsl). Entries a shader does not declare are ignored.
/// </summary>
internal readonly record struct SpecializationConstants(uint C0, uint C1 = 0, uint C2 = 0, uint C3 = 0, uint C4 = 0,
    uint EpilogueBias = 0, uint EpilogueActivation = 0)
{
    public const int Count = 7;
}
