using System.CommandLine;
using Descent.Kernels;

namespace Descent.Host.Commands;

/// <summary>The --backend and --device options every device-using command shares.</summary>
public sealed class BackendOptions
{
    public Option<string> Backend { get; } = new("--backend")
    {
        Description = $"Backend to run on: {string.Join(", ", Backends.Names)}",
        DefaultValueFactory = _ => Backends.Auto,
    };

    public Option<int> Device { get; } = new("--device")
    {
        Description = "Device index within the chosen backend, as 'descent devices' prints it " +
            "(descent train under MPI: the rank's index on its machine)",
        DefaultValueFactory = _ => 0,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Backend);
        command.Options.Add(Device);
    }

    /// <param name="error">Where a one-line notice goes when "auto" falls back past an unusable driver.</param>
    public ComputeBackend CreateBackend(ParseResult parsed, TextWriter error) =>
        Backends.Create(parsed.GetRequiredValue(Backend), parsed.GetValue(Device), message => error.WriteLine($"descent: {message}"));
}
