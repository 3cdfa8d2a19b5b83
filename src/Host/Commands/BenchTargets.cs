using System.CommandLine;
using System.Text.Json;
using Descent.Kernels;

namespace Descent.Host.Commands;

/// <summary>
/// What every `descent bench` command times on (--backend, or every fast backend present; --device)
/// and how it writes its results (snake-case JSON).
/// </summary>
public sealed class BenchTargets
{
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public Option<string?> Backend { get; } = new("--backend")
    {
        Description = $"Backend to time: {string.Join(", ", Backends.Names)} [default: every fast backend present: CUDA, a real Vulkan GPU, cpu]",
    };

    public Option<int> Device { get; } = new("--device") { Description = "Device index within the named backend", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command)
    {
        command.Options.Add(Backend);
        command.Options.Add(Device);
    }

    /// <summary>The backend named, or every fast one present.</summary>
    public IReadOnlyList<string> Names(ParseResult parsed) => parsed.GetValue(Backend) is { } named ? [named] : Backends.FastPresent();
}
