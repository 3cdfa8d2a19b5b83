using System.Reflection;

namespace Descent.Kernels.Ilgpu;

/// <summary>
/// Every kernel method of the ILGPU backend, so that a test can compile each one for a real GPU (PTX)
/// on a machine without one. ExplicitlyGrouped kernels choose their own group shape and take no
/// index parameter; the others take an Index1D and let ILGPU group their threads.
/// A kernel is a public static void method of a static class in this namespace (helpers are private
/// or return a value); a test holds this list to that rule, so a new kernel cannot be left out.
/// </summary>
public static class IlgpuKernelCatalog
{
    public static IReadOnlyList<(string Name, MethodInfo Method, bool ExplicitlyGrouped)> Kernels { get; } =
    [
        Implicit(typeof(GemmKernels), nameof(GemmKernels.Naive)),
        Explicit(typeof(GemmKernels), nameof(GemmKernels.SharedMemoryTiles)),
        Implicit(typeof(BiasKernels), nameof(BiasKernels.Forward)),
        Implicit(typeof(BiasKernels), nameof(BiasKernels.Backward)),
        Implicit(typeof(ActivationKernels), nameof(ActivationKernels.ReluForward)),
        Implicit(typeof(ActivationKernels), nameof(ActivationKernels.ReluBackward)),
        Implicit(typeof(ActivationKernels), nameof(ActivationKernels.SigmoidForward)),
        Implicit(typeof(ActivationKernels), nameof(ActivationKernels.SigmoidBackward)),
        Implicit(typeof(ActivationKernels), nameof(ActivationKernels.TanhForward)),
        Implicit(typeof(ActivationKernels), nameof(ActivationKernels.TanhBackward)),
        Implicit(typeof(SoftmaxKernels), nameof(SoftmaxKernels.Forward)),
        Implicit(typeof(SoftmaxKernels), nameof(SoftmaxKernels.Backward)),
        Implicit(typeof(LossKernels), nameof(LossKernels.SoftmaxCrossEntropy)),
        Implicit(typeof(LossKernels), nameof(LossKernels.Mnist)),
        Implicit(typeof(LossKernels), nameof(LossKernels.BinaryCrossEntropy)),
        Implicit(typeof(LossKernels), nameof(LossKernels.MeanSquaredError)),
        Implicit(typeof(LossKernels), nameof(LossKernels.ReduceMetrics)),
        Implicit(typeof(OptimizerKernels), nameof(OptimizerKernels.Sgd)),
        Implicit(typeof(OptimizerKernels), nameof(OptimizerKernels.AdamW)),
        Implicit(typeof(DataKernels), nameof(DataKernels.Fill)),
        Implicit(typeof(DataKernels), nameof(DataKernels.GatherBatch)),
    ];

    private static (string, MethodInfo, bool) Implicit(Type type, string name) => ($"{type.Name}.{name}", Find(type, name), false);

    private static (string, MethodInfo, bool) Explicit(Type type, string name) => ($"{type.Name}.{name}", Find(type, name), true);

    private static MethodInfo Find(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)
        ?? throw new MissingMethodException(type.FullName, name);
}
