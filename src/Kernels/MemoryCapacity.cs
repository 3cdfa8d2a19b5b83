using System.Globalization;

namespace Descent.Kernels;

/// <summary>
/// How many bytes of buffers a backend's device can hold in all, and which memory that is, so that a
/// caller can refuse a model or batch that cannot fit before allocating any of it.
/// </summary>
/// <param name="Bytes">The memory buffers can take: a GPU's memory, or for a backend on the processor the machine's available memory now.</param>
/// <param name="Where">The memory in words, for a message: "NVIDIA H200's memory", "the machine's available memory".</param>
public sealed record MemoryCapacity(long Bytes, string Where)
{
    private const string MemInfo = "/proc/meminfo";

    /// <summary>
    /// The machine's memory available now, for a backend whose buffers are host memory: Linux's
    /// MemAvailable (what can be had without swapping), capped by what the runtime may use (a
    /// container's limit); where /proc/meminfo is missing, the runtime's figure alone.
    /// </summary>
    public static MemoryCapacity Host()
    {
        var runtimeLimit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new MemoryCapacity(Math.Min(runtimeLimit, MemAvailableBytes() ?? long.MaxValue), "the machine's available memory");
    }

    /// <summary>
    /// Bytes in the unit a person reads best: "512 B", "12.0 MiB", "8.8 GiB". A double, so that a size
    /// past what a long holds (a product of three sizes someone asked for) still prints.
    /// </summary>
    public static string Format(double bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
        if (bytes < 1024)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes:F0} B");
        }
        var value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{value:F1} {units[unit]}");
    }

    /// <summary>MemAvailable from /proc/meminfo ("MemAvailable:   23198624 kB"), or null where there is none to read.</summary>
    private static long? MemAvailableBytes()
    {
        try
        {
            if (!File.Exists(MemInfo))
            {
                return null;
            }
            foreach (var line in File.ReadLines(MemInfo))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields is ["MemAvailable:", var kibibytes, "kB"]
                    && long.TryParse(kibibytes, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    return value * 1024;
                }
            }
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A /proc that cannot be read leaves the runtime's own figure, which is still a bound.
            return null;
        }
    }
}
