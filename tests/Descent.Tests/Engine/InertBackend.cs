using System.Reflection;
using System.Reflection.Emit;
using Descent.Kernels;

namespace Descent.Tests.Engine;

/// <summary>
/// A backend whose ops do nothing and allocate nothing: what remains allocated around a training
/// step is the engine's own doing. Downloads read zeros (a finite loss, nothing correct).
/// <para>
/// Only memory and lifetime are written here. Every op's <c>...Core</c> method is overridden by a
/// subclass emitted at run time with an empty body, so a new op needs no edit here.
/// </para>
/// </summary>
public abstract class InertBackend : ComputeBackend
{
    private static readonly Lazy<Type> Emitted = new(EmitSubclass);

    public static InertBackend Create() => (InertBackend)Activator.CreateInstance(Emitted.Value)!;

    public override string Name => "inert";

    public override string DeviceDescription => "no device: ops are no-ops";

    public override IReadOnlyList<GemmAlgorithm> GemmAlgorithms { get; } = [GemmAlgorithm.Naive];

    protected override DeviceBuffer<T> AllocateCore<T>(int length) => new InertBuffer<T>(this, length);

    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset)
    {
    }

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) => destination.Clear();

    protected override void SynchronizeCore()
    {
    }

    protected override void DisposeCore()
    {
    }

    /// <summary>A sealed subclass overriding every abstract method left (the ops, all returning void) with a bare return.</summary>
    private static Type EmitSubclass()
    {
        var module = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("Descent.Tests.Inert"), AssemblyBuilderAccess.Run)
            .DefineDynamicModule("Descent.Tests.Inert");
        var type = module.DefineType("EmittedInertBackend", TypeAttributes.Public | TypeAttributes.Sealed, typeof(InertBackend));
        var abstractMethods = typeof(InertBackend).GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(method => method.IsAbstract);
        foreach (var method in abstractMethods)
        {
            if (method.ReturnType != typeof(void) || method.IsGenericMethodDefinition)
            {
                throw new InvalidOperationException($"InertBackend must implement {method.Name} by hand: only void ops are emitted");
            }
            var attributes = (method.Attributes & MethodAttributes.MemberAccessMask) | MethodAttributes.Virtual | MethodAttributes.HideBySig;
            var parameterTypes = method.GetParameters().Select(parameter => parameter.ParameterType).ToArray();
            var body = type.DefineMethod(method.Name, attributes, typeof(void), parameterTypes);
            body.GetILGenerator().Emit(OpCodes.Ret);
            type.DefineMethodOverride(body, method);
        }
        return type.CreateType();
    }

    private sealed class InertBuffer<T>(ComputeBackend owner, int length) : DeviceBuffer<T>(owner, length) where T : unmanaged
    {
        protected override void Release()
        {
        }
    }
}
