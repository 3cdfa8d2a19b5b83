using System.Reflection;
using System.Reflection.Emit;

namespace Descent.Kernels.Planning;

/// <summary>
/// Makes an instance of an abstract backend whose remaining abstract ops do nothing: a sealed subclass,
/// emitted at run time, overrides each with a bare return. A backend that runs no device work
/// (<see cref="CountingBackend"/>, the tests' inert backend) so writes only what it must (memory, uploads and
/// downloads, the hooks it records), and a new op needs no edit there.
/// </summary>
public static class NoOpSubclass
{
    private static readonly ModuleBuilder Module = AssemblyBuilder
        .DefineDynamicAssembly(new AssemblyName("Descent.Kernels.NoOpBackends"), AssemblyBuilderAccess.Run)
        .DefineDynamicModule("Descent.Kernels.NoOpBackends");

    private static readonly Dictionary<Type, Type> Emitted = [];

    // ModuleBuilder is not safe to define types in from several threads at once, and two threads asking for the same
    // backend at once must not both define its type (a duplicate name): lookup and emission are one critical section.
    private static readonly Lock Emitting = new();

    /// <summary>A new <typeparamref name="TBackend"/> through its constructor that takes <paramref name="arguments"/>.</summary>
    public static TBackend Create<TBackend>(params object[] arguments) where TBackend : ComputeBackend
    {
        Type type;
        lock (Emitting)
        {
            if (!Emitted.TryGetValue(typeof(TBackend), out type!))
            {
                type = Emit(typeof(TBackend));
                Emitted.Add(typeof(TBackend), type);
            }
        }
        return (TBackend)Activator.CreateInstance(type, arguments)!;
    }

    private static Type Emit(Type backend)
    {
        if (!backend.IsAbstract)
        {
            throw new InvalidOperationException($"{backend.Name} is not abstract: it has no ops left to emit");
        }
        var type = Module.DefineType($"NoOp{backend.Name}", TypeAttributes.Public | TypeAttributes.Sealed, backend);
        foreach (var constructor in backend.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
                     .Where(constructor => constructor.IsPublic || constructor.IsFamily || constructor.IsFamilyOrAssembly))
        {
            PassOn(type, constructor);
        }
        var abstractMethods = backend.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(method => method.IsAbstract);
        foreach (var method in abstractMethods)
        {
            if (method.ReturnType != typeof(void) || method.IsGenericMethodDefinition)
            {
                throw new InvalidOperationException($"{backend.Name} must implement {method.Name} by hand: only void ops are emitted");
            }
            var attributes = (method.Attributes & MethodAttributes.MemberAccessMask) | MethodAttributes.Virtual | MethodAttributes.HideBySig;
            var parameterTypes = method.GetParameters().Select(parameter => parameter.ParameterType).ToArray();
            var body = type.DefineMethod(method.Name, attributes, typeof(void), parameterTypes);
            body.GetILGenerator().Emit(OpCodes.Ret);
            type.DefineMethodOverride(body, method);
        }
        return type.CreateType();
    }

    /// <summary>A public constructor with <paramref name="constructor"/>'s parameters that calls it with them.</summary>
    private static void PassOn(TypeBuilder type, ConstructorInfo constructor)
    {
        var parameterTypes = constructor.GetParameters().Select(parameter => parameter.ParameterType).ToArray();
        var emitted = type.DefineConstructor(MethodAttributes.Public, CallingConventions.Standard, parameterTypes);
        var il = emitted.GetILGenerator();
        for (var index = 0; index <= parameterTypes.Length; index++)
        {
            il.Emit(OpCodes.Ldarg, (short)index);
        }
        il.Emit(OpCodes.Call, constructor);
        il.Emit(OpCodes.Ret);
    }
}
