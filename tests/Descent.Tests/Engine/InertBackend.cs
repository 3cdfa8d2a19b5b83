using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
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

    /// <summary>Unlimited unless a test gives it a size, to see what does not fit refused.</summary>
    public MemoryCapacity Capacity { get; set; } = new(long.MaxValue, "no device");

    public override MemoryCapacity Memory => Capacity;

    public long BufferBytesLimit { get; set; } = long.MaxValue;

    public override long MaxBufferBytes => BufferBytesLimit;

    /// <summary>Bytes of the buffers allocated and not yet released (views own nothing).</summary>
    public long LiveBytes { get; private set; }

    /// <summary>The most <see cref="LiveBytes"/> ever was: what a device would have had to hold at once.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Buffers allocated so far, released or not.</summary>
    public int Allocations { get; private set; }

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        Allocations++;
        LiveBytes += (long)length * Unsafe.SizeOf<T>();
        PeakBytes = Math.Max(PeakBytes, LiveBytes);
        return new InertBuffer<T>(this, length);
    }

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

    private sealed class InertBuffer<T>(InertBackend owner, int length) : DeviceBuffer<T>(owner, length) where T : unmanaged
    {
        protected override void Release() => owner.LiveBytes -= (long)Length * Unsafe.SizeOf<T>();
    }
}
