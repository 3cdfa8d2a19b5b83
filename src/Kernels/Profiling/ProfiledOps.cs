using System.Reflection;
using System.Reflection.Emit;

namespace Descent.Kernels.Profiling;

/// <summary>
/// Emits, once, the sealed subclass of <see cref="ProfilingBackend"/> whose overrides time each op: for every op of the
/// backend interface (<see cref="BackendOpAttribute.Ops"/>) its hook <c>OpCore</c> becomes
/// <c>Begin(op); Device.OpCore(the device's buffers, the other arguments); End(op, arguments)</c>.
/// </summary>
public static class ProfiledOps
{
    /// <summary>An op and the protected hook its public method calls, whose parameters the profile reads.</summary>
    public sealed record Hook(string Op, MethodInfo Method)
    {
        public ParameterInfo[] Parameters { get; } = Method.GetParameters();
    }

    /// <summary>Every op's hook, in the interface's order: the index an emitted override reports.</summary>
    public static IReadOnlyList<Hook> Hooks { get; } = BackendOpAttribute.Ops.Select(FindHook).ToArray();

    private static readonly Lazy<Type> Emitted = new(Emit);

    public static ProfilingBackend Create(ComputeBackend device) => (ProfilingBackend)Activator.CreateInstance(Emitted.Value, device)!;

    private static Hook FindHook(string op)
    {
        var method = typeof(ComputeBackend).GetMethod(op + "Core", BindingFlags.Instance | BindingFlags.NonPublic);
        if (method is null || !(method.IsAbstract || method.IsVirtual) || method.ReturnType != typeof(void) || method.IsGenericMethodDefinition)
        {
            throw new InvalidOperationException($"op {op} has no protected virtual void hook {op}Core for a profile to time");
        }
        return new Hook(op, method);
    }

    private static Type Emit()
    {
        var kernels = typeof(ComputeBackend).Assembly.GetName().Name!;
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("Descent.Kernels.ProfiledBackend"), AssemblyBuilderAccess.Run);
        // The overrides call each hook on another backend, which C# allows only on this one: the runtime honours this
        // attribute, defined here by name as it expects, for assemblies emitted at run time.
        var module = assembly.DefineDynamicModule("Descent.Kernels.ProfiledBackend");
        assembly.SetCustomAttribute(new CustomAttributeBuilder(IgnoresAccessChecksTo(module), [kernels]));
        var type = module.DefineType("ProfiledBackend", TypeAttributes.Public | TypeAttributes.Sealed, typeof(ProfilingBackend));

        var baseConstructor = typeof(ProfilingBackend).GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic).Single();
        var constructor = type.DefineConstructor(MethodAttributes.Public, CallingConventions.Standard, [typeof(ComputeBackend)]);
        var il = constructor.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Call, baseConstructor);
        il.Emit(OpCodes.Ret);

        var begin = Method("Begin");
        var end = Method("End");
        var unwrap = Method("Unwrap");
        var device = typeof(ProfilingBackend).GetProperty(nameof(ProfilingBackend.Device))!.GetMethod!;
        for (var op = 0; op < Hooks.Count; op++)
        {
            var hook = Hooks[op].Method;
            var parameters = Hooks[op].Parameters;
            var attributes = (hook.Attributes & MethodAttributes.MemberAccessMask) | MethodAttributes.Virtual | MethodAttributes.HideBySig;
            var body = type.DefineMethod(hook.Name, attributes, typeof(void), parameters.Select(parameter => parameter.ParameterType).ToArray());
            il = body.GetILGenerator();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I4, op);
            il.Emit(OpCodes.Call, begin);

            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, device);
            for (var index = 0; index < parameters.Length; index++)
            {
                var parameterType = parameters[index].ParameterType;
                if (IsBuffer(parameterType))
                {
                    il.Emit(OpCodes.Ldarg_0);
                    il.Emit(OpCodes.Ldarg, (short)(index + 1));
                    il.Emit(OpCodes.Call, unwrap.MakeGenericMethod(parameterType.GetGenericArguments()));
                }
                else
                {
                    il.Emit(OpCodes.Ldarg, (short)(index + 1));
                }
            }
            il.Emit(OpCodes.Callvirt, hook);

            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I4, op);
            il.Emit(OpCodes.Ldc_I4, parameters.Length);
            il.Emit(OpCodes.Newarr, typeof(object));
            for (var index = 0; index < parameters.Length; index++)
            {
                il.Emit(OpCodes.Dup);
                il.Emit(OpCodes.Ldc_I4, index);
                il.Emit(OpCodes.Ldarg, (short)(index + 1));
                if (parameters[index].ParameterType.IsValueType)
                {
                    il.Emit(OpCodes.Box, parameters[index].ParameterType);
                }
                il.Emit(OpCodes.Stelem_Ref);
            }
            il.Emit(OpCodes.Call, end);
            il.Emit(OpCodes.Ret);
            type.DefineMethodOverride(body, hook);
        }
        return type.CreateType();
    }

    private static bool IsBuffer(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(DeviceBuffer<>);

    private static MethodInfo Method(string name) =>
        typeof(ProfilingBackend).GetMethod(name, BindingFlags.Instance | BindingFlags.NonPublic)!;

    /// <summary>System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute(string), emitted into <paramref name="module"/>.</summary>
    private static ConstructorInfo IgnoresAccessChecksTo(ModuleBuilder module)
    {
        var attribute = module.DefineType("System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute",
            TypeAttributes.Public | TypeAttributes.Class, typeof(Attribute));
        var name = attribute.DefineField("assemblyName", typeof(string), FieldAttributes.Private);
        var constructor = attribute.DefineConstructor(MethodAttributes.Public, CallingConventions.HasThis, [typeof(string)]);
        var il = constructor.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, typeof(Attribute).GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes)!);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Stfld, name);
        il.Emit(OpCodes.Ret);
        attribute.SetCustomAttribute(new CustomAttributeBuilder(
            typeof(AttributeUsageAttribute).GetConstructor([typeof(AttributeTargets)])!, [AttributeTargets.Assembly],
            [typeof(AttributeUsageAttribute).GetProperty(nameof(AttributeUsageAttribute.AllowMultiple))!], [true]));
        return attribute.CreateType().GetConstructor([typeof(string)])!;
    }
}
