namespace Descent.Kernels.Vulkan;

/// <summary>
/// The compute shaders in shaders/, each with the number of storage buffers it binds (bindings 0..N-1).
/// The SPIR-V of each is embedded as "Descent.Shaders.NAME.spv".
/// </summary>
internal sealed record Shader(string Name, int Bindings)
{
    public static Shader Fill { get; } = new("fill", 1);
    public static Shader GemmNaive { get; } = new("gemm_naive", 3);
    public static Shader GemmBlocked { get; } = new("gemm_blocked", 3);
    public static Shader Bias { get; } = new("bias", 2);
    public static Shader Activation { get; } = new("activation", 3);
    public static Shader Softmax { get; } = new("softmax", 3);
    public static Shader SoftmaxCrossEntropy { get; } = new("softmax_cross_entropy", 4);
    public static Shader BinaryLoss { get; } = new("binary_loss", 4);
    public static Shader Metrics { get; } = new("metrics", 2);
    public static Shader Sgd { get; } = new("sgd", 3);
    public static Shader AdamW { get; } = new("adamw", 4);
    public static Shader GatherBatch { get; } = new("gather_batch", 5);

    public static IReadOnlyList<Shader> All { get; } =
        [Fill, GemmNaive, GemmBlocked, Bias, Activation, Softmax, SoftmaxCrossEntropy, BinaryLoss, Metrics, Sgd, AdamW, GatherBatch];

    public string ResourceName => $"Descent.Shaders.{Name}.spv";
}
