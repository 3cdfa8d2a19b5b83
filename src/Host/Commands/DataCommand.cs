using System.CommandLine;
using Descent.Engine.Data;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>`descent data fetch|verify`: fill or check a dataset family's checksummed cache.</summary>
public static class DataCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var command = new Command("data", $"Fetch or verify the cached datasets: {DataDirOption.DefaultFolders(DatasetName.All)}");
        command.Subcommands.Add(Fetch(console, error));
        command.Subcommands.Add(Verify(console));
        return command;
    }

    private static Option<string> DatasetOption()
    {
        var option = new Option<string>("--dataset")
        {
            Description = "Dataset whose files to fetch or verify (mnist-3-7 is made from the mnist files, cifar-100-coarse from cifar-100's)",
            DefaultValueFactory = _ => DatasetName.Mnist.Name,
        };
        option.AcceptOnlyFromAmong(DatasetName.All.Select(dataset => dataset.Name).ToArray());
        return option;
    }

    private static Command Fetch(IAnsiConsole console, TextWriter error)
    {
        var dataset = DatasetOption();
        var force = new Option<bool>("--force") { Description = "Replace files that are missing or fail their checksum" };
        var command = new Command("fetch",
            "Fetch the dataset's files into the cache from its sources in order, checking each one's SHA-256 " +
            "(CIFAR: the archive's published MD5, then the unpacked files are recorded with their SHA-256s)")
        {
            dataset, force,
        };
        command.SetAction(async (parsed, cancellation) =>
        {
            var family = DatasetName.Parse(parsed.GetRequiredValue(dataset)).Family!;
            if (family.Cifar is { } cifar)
            {
                var cifarCache = new CifarCache(cifar, DataLocation.DefaultCacheRoot(), progress: new Progress<string>(m => error.WriteLine($"descent: {m}")));
                await cifarCache.EnsureAsync(parsed.GetValue(force), cancellation);
                console.WriteLine($"{cifarCache.Folder}: all {cifar.AllFiles.Count} {cifar.Title} files present and verified");
                return ExitCodes.Success;
            }
            var cache = new IdxCache(family, DataLocation.DefaultCacheRoot(), progress: new Progress<string>(m => error.WriteLine($"descent: {m}")));
            await cache.EnsureAsync(parsed.GetValue(force), cancellation);
            console.WriteLine($"{cache.Folder}: all {family.Files.Count} {family.Title} files present and verified");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Verify(IAnsiConsole console)
    {
        var dataset = DatasetOption();
        var command = new Command("verify", "Check the cached files against their SHA-256 (CIFAR: as recorded when unpacked)") { dataset };
        command.SetAction(parsed =>
        {
            var name = DatasetName.Parse(parsed.GetRequiredValue(dataset));
            var statuses = name.Family!.Cifar is { } cifar
                ? new CifarCache(cifar, DataLocation.DefaultCacheRoot()).Verify()
                : new IdxCache(name.Family!, DataLocation.DefaultCacheRoot()).Verify();
            foreach (var status in statuses)
            {
                console.WriteLine($"{status.File.Name,-24} {status.State.ToString().ToLowerInvariant(),-12} {status.Path}");
            }
            var bad = statuses.Count(s => s.State != CachedFileState.Ok);
            if (bad > 0)
            {
                throw new InvalidInputException(
                    $"{bad} of {statuses.Count} cached files are missing or fail their checksum; run 'descent data fetch --dataset {name.Family.Name} --force'");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
