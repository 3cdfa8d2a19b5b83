using System.CommandLine;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>`descent devices`: every device every backend can see, with the index --device takes.</summary>
public static class DevicesCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var command = new Command("devices", "List every device found: index, backend, name, kind, memory");
        command.SetAction(_ =>
        {
            var table = new Table().AddColumns("index", "backend", "name", "kind", "memory");
            foreach (var device in Backends.ListDevices())
            {
                table.AddRow(
                    device.Problem is null ? device.Index.ToString() : "-",
                    device.Backend,
                    Markup.Escape(device.Problem is null ? device.Name : $"{device.Name}: {device.Problem}"),
                    device.Kind,
                    device.MemoryBytes > 0 ? $"{device.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB" : "-");
            }
            console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
