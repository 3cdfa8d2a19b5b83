using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Silk.NET.Core;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// Collects the Khronos validation layer's warnings and errors through a VK_EXT_debug_utils messenger,
/// so tests can assert there are none (without a messenger the layer only prints them). The extension's
/// entry points are loaded through vkGetInstanceProcAddr: NuGet does not serve Silk.NET's EXT bindings.
/// With <c>echo</c> each message is also written to stderr as it arrives, as the layer itself would
/// print it without a messenger: that is what someone debugging with DESCENT_VULKAN_VALIDATION=1 wants.
/// </summary>
internal sealed unsafe class ValidationMessenger : IDisposable
{
    private readonly Vk vk;
    private readonly Instance instance;
    private readonly DebugUtilsMessengerEXT messenger;
    private readonly List<string> messages = [];
    private readonly bool echo;
    private GCHandle self;

    private ValidationMessenger(Vk vk, Instance instance, bool echo)
    {
        this.vk = vk;
        this.instance = instance;
        this.echo = echo;
        self = GCHandle.Alloc(this);
        var create = (delegate* unmanaged<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
            (void*)vk.GetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT").Handle;
        if (create == null)
        {
            self.Free();
            throw new DeviceUnavailableException(
                "Vulkan validation was requested but VK_EXT_debug_utils is missing: install vulkan-validationlayers (or the Vulkan SDK)");
        }
        var info = CreateInfo((void*)GCHandle.ToIntPtr(self));
        DebugUtilsMessengerEXT created;
        var result = create(instance, &info, null, &created);
        if (result != Result.Success)
        {
            self.Free();
            throw VulkanCalls.Failure(result, "install the validation message callback");
        }
        messenger = created;
    }

    /// <summary>Warnings and errors reported so far, oldest first.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (messages)
            {
                return [.. messages];
            }
        }
    }

    public static ValidationMessenger Install(Vk vk, Instance instance, bool echo) => new(vk, instance, echo);

    private static DebugUtilsMessengerCreateInfoEXT CreateInfo(void* userData) => new()
    {
        SType = StructureType.DebugUtilsMessengerCreateInfoExt,
        MessageSeverity = DebugUtilsMessageSeverityFlagsEXT.WarningBitExt | DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt,
        MessageType = DebugUtilsMessageTypeFlagsEXT.GeneralBitExt | DebugUtilsMessageTypeFlagsEXT.ValidationBitExt
            | DebugUtilsMessageTypeFlagsEXT.PerformanceBitExt,
        PfnUserCallback = new PfnDebugUtilsMessengerCallbackEXT(&OnMessage),
        PUserData = userData,
    };

    public void Dispose()
    {
        var destroy = (delegate* unmanaged<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
            (void*)vk.GetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT").Handle;
        if (destroy != null)
        {
            destroy(instance, messenger, null);
        }
        self.Free();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static Bool32 OnMessage(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT type,
        DebugUtilsMessengerCallbackDataEXT* data, void* userData)
    {
        var collector = (ValidationMessenger)GCHandle.FromIntPtr((nint)userData).Target!;
        var text = $"{severity}: {SilkMarshal.PtrToString((nint)data->PMessage)}";
        lock (collector.messages)
        {
            collector.messages.Add(text);
        }
        if (collector.echo)
        {
            Console.Error.WriteLine($"Vulkan validation: {text}");
        }
        return new Bool32(false);
    }
}
