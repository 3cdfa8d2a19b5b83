using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Descent.Kernels.Vulkan;

/// <summary>
/// The Vulkan loader, one instance, and the compute-capable physical devices in the order Descent
/// prefers them: discrete GPUs, then integrated, then virtual, then CPU (software) devices. That order
/// is the index `descent devices` prints and `--device N` takes.
/// </summary>
internal sealed unsafe class VulkanInstance : IDisposable
{
    public const string ValidationLayer = "VK_LAYER_KHRONOS_validation";
    private const string DebugUtilsExtension = "VK_EXT_debug_utils";
    private const string ValidationFeaturesExtension = "VK_EXT_validation_features";
    private const string PortabilityEnumerationExtension = "VK_KHR_portability_enumeration";

    private readonly ValidationMessenger? validation;

    private VulkanInstance(Vk vk, Instance instance, ValidationMessenger? validation)
    {
        Vk = vk;
        Handle = instance;
        this.validation = validation;
        Devices = FindComputeDevices(vk, instance);
    }

    public Vk Vk { get; }

    public Instance Handle { get; }

    public IReadOnlyList<PhysicalDeviceChoice> Devices { get; }

    /// <summary>Validation warnings and errors so far; empty when validation is off.</summary>
    public IReadOnlyList<string> ValidationMessages => validation?.Messages ?? [];

    /// <summary>
    /// Loads libvulkan and creates an instance, with the Khronos validation layer unless <paramref name="validation"/>
    /// is Off, its synchronization validation included: lavapipe runs commands one after another, so a missing
    /// barrier shows nowhere else, while a GPU would run the commands concurrently and read stale data.
    /// </summary>
    /// <exception cref="DeviceUnavailableException">No loader, no driver, or validation asked for but not installed.</exception>
    public static VulkanInstance Create(ValidationMode validation)
    {
        var vk = LoadApi();
        try
        {
            return CreateInstance(vk, validation);
        }
        catch
        {
            vk.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        validation?.Dispose();
        Vk.DestroyInstance(Handle, null);
        Vk.Dispose();
    }

    private static Vk LoadApi()
    {
        try
        {
            return Vk.GetApi();
        }
        // Silk.NET reports a missing libvulkan with loader-specific exception types; all mean the same here.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DeviceUnavailableException(
                "the Vulkan loader (libvulkan.so.1 / vulkan-1.dll) is not installed: install libvulkan1 and mesa-vulkan-drivers " +
                "(Debian/Ubuntu), or the Vulkan SDK / your GPU driver elsewhere", e);
        }
    }

    private static VulkanInstance CreateInstance(Vk vk, ValidationMode validation)
    {
        var extensions = new List<string>();
        var available = InstanceExtensions(vk);
        var flags = InstanceCreateFlags.None;
        // MoltenVK (macOS) lists its devices only to instances that accept portability drivers.
        if (available.Contains(PortabilityEnumerationExtension))
        {
            extensions.Add(PortabilityEnumerationExtension);
            flags |= InstanceCreateFlags.EnumeratePortabilityBitKhr;
        }
        var layers = new List<string>();
        if (validation != ValidationMode.Off)
        {
            if (!HasLayer(vk, ValidationLayer))
            {
                throw new DeviceUnavailableException(
                    $"Vulkan validation was requested but {ValidationLayer} is missing: install vulkan-validationlayers (or the Vulkan SDK)");
            }
            layers.Add(ValidationLayer);
            extensions.Add(DebugUtilsExtension);
            if (!InstanceExtensions(vk, ValidationLayer).Contains(ValidationFeaturesExtension))
            {
                throw new DeviceUnavailableException(
                    $"Vulkan validation was requested but {ValidationLayer} lacks {ValidationFeaturesExtension}: " +
                    "install a newer vulkan-validationlayers (or Vulkan SDK)");
            }
            extensions.Add(ValidationFeaturesExtension);
        }
        var synchronizationValidation = ValidationFeatureEnableEXT.SynchronizationValidationExt;
        var features = new ValidationFeaturesEXT
        {
            SType = StructureType.ValidationFeaturesExt,
            EnabledValidationFeatureCount = 1,
            PEnabledValidationFeatures = &synchronizationValidation,
        };

        var name = (byte*)SilkMarshal.StringToPtr("Descent");
        var layerNames = (byte**)SilkMarshal.StringArrayToPtr(layers);
        var extensionNames = (byte**)SilkMarshal.StringArrayToPtr(extensions);
        try
        {
            var application = new ApplicationInfo
            {
                SType = StructureType.ApplicationInfo,
                PApplicationName = name,
                ApplicationVersion = 1,
                PEngineName = name,
                EngineVersion = 1,
                ApiVersion = Vk.Version11,
            };
            var info = new InstanceCreateInfo
            {
                SType = StructureType.InstanceCreateInfo,
                PNext = validation == ValidationMode.Off ? null : &features,
                Flags = flags,
                PApplicationInfo = &application,
                EnabledLayerCount = (uint)layers.Count,
                PpEnabledLayerNames = layerNames,
                EnabledExtensionCount = (uint)extensions.Count,
                PpEnabledExtensionNames = extensionNames,
            };
            VulkanCalls.Check(vk.CreateInstance(in info, null, out var instance), "create a Vulkan instance");
            ValidationMessenger? messenger = null;
            try
            {
                messenger = validation == ValidationMode.Off
                    ? null
                    : ValidationMessenger.Install(vk, instance, echo: validation == ValidationMode.CollectAndPrint);
                return new VulkanInstance(vk, instance, messenger);
            }
            catch
            {
                messenger?.Dispose();
                vk.DestroyInstance(instance, null);
                throw;
            }
        }
        finally
        {
            SilkMarshal.Free((nint)name);
            SilkMarshal.Free((nint)layerNames);
            SilkMarshal.Free((nint)extensionNames);
        }
    }

    /// <summary>The instance extensions of the loader and its drivers, or with <paramref name="layer"/> those the layer provides.</summary>
    private static HashSet<string> InstanceExtensions(Vk vk, string? layer = null)
    {
        var layerName = (byte*)SilkMarshal.StringToPtr(layer);
        uint count = 0;
        ExtensionProperties[] properties;
        try
        {
            VulkanCalls.Check(vk.EnumerateInstanceExtensionProperties(layerName, &count, null), "list instance extensions");
            properties = new ExtensionProperties[count];
            fixed (ExtensionProperties* first = properties)
            {
                VulkanCalls.Check(vk.EnumerateInstanceExtensionProperties(layerName, &count, first), "list instance extensions");
            }
        }
        finally
        {
            SilkMarshal.Free((nint)layerName);
        }
        var names = new HashSet<string>();
        for (var i = 0; i < count; i++)
        {
            fixed (byte* extensionName = properties[i].ExtensionName)
            {
                names.Add(SilkMarshal.PtrToString((nint)extensionName)!);
            }
        }
        return names;
    }

    private static bool HasLayer(Vk vk, string layer)
    {
        uint count = 0;
        VulkanCalls.Check(vk.EnumerateInstanceLayerProperties(&count, null), "list instance layers");
        var properties = new LayerProperties[count];
        fixed (LayerProperties* first = properties)
        {
            VulkanCalls.Check(vk.EnumerateInstanceLayerProperties(&count, first), "list instance layers");
        }
        for (var i = 0; i < count; i++)
        {
            fixed (byte* layerName = properties[i].LayerName)
            {
                if (SilkMarshal.PtrToString((nint)layerName) == layer)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<PhysicalDeviceChoice> FindComputeDevices(Vk vk, Instance instance)
    {
        uint count = 0;
        VulkanCalls.Check(vk.EnumeratePhysicalDevices(instance, &count, null), "list Vulkan devices");
        var handles = new PhysicalDevice[count];
        fixed (PhysicalDevice* first = handles)
        {
            VulkanCalls.Check(vk.EnumeratePhysicalDevices(instance, &count, first), "list Vulkan devices");
        }
        var found = new List<PhysicalDeviceChoice>();
        foreach (var handle in handles)
        {
            var family = ComputeQueueFamily(vk, handle);
            if (family >= 0)
            {
                found.Add(PhysicalDeviceChoice.Describe(vk, handle, (uint)family));
            }
        }
        // A stable sort keeps the driver's order among devices of one kind.
        return [.. found.OrderBy(device => device.Preference)];
    }

    /// <summary>The queue family Descent runs on (<see cref="QueueFamilyChoice.Compute"/>), or -1 where none runs compute.</summary>
    private static int ComputeQueueFamily(Vk vk, PhysicalDevice device)
    {
        uint count = 0;
        vk.GetPhysicalDeviceQueueFamilyProperties(device, &count, null);
        var families = new QueueFamilyProperties[count];
        fixed (QueueFamilyProperties* first = families)
        {
            vk.GetPhysicalDeviceQueueFamilyProperties(device, &count, first);
        }
        return QueueFamilyChoice.Compute([.. families.Select(family => family.QueueFlags)]);
    }
}
