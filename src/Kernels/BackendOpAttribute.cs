namespace Descent.Kernels;

/// <summary>
/// Marks a method of <see cref="ComputeBackend"/> as an op: the one list of ops, read by reflection
/// wherever every op must be covered (the conformance suite's coverage test among them).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class BackendOpAttribute : Attribute
{
    /// <summary>Every op of the backend interface, in declaration order.</summary>
    public static IReadOnlyList<string> Ops { get; } = typeof(ComputeBackend).GetMethods()
        .Where(method => method.IsDefined(typeof(BackendOpAttribute), inherit: false))
        .OrderBy(method => method.MetadataToken)
        .Select(method => method.Name)
        .ToArray();
}
