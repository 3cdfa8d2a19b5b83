using System.CommandLine;
using Descent.Engine.Data;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>`descent data list|fetch|verify`: the datasets Descent knows, and their checksummed caches filled or checked.</summary>
public static class DataCommand
{
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var command = new Command("data", $"List, fetch or verify the cached datasets: {DataDirOption.DefaultFolders(DatasetName.All)}");
        command.Subcommands.Add(List(console));
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

    /// <summary>Every dataset by name with its classes, its cache folder and whether every file there passes its check.</summary>
    private static Command List(IAnsiConsole console)
    {
        var command = new Command("list", "List the datasets --dataset names, their classes and cache folders, and whether each cache is complete and verified");
        command.SetAction(_ =>
        {
            foreach (var name in DatasetName.All)
            {
                var family = name.Family!;
                var statuses = Statuses(family);
                var bad = statuses.Count(status => status.State != CachedFileState.Ok);
                var state = bad == 0 ? "cached, verified" : bad == statuses.Count ? "not fetched" : $"{bad} of {statuses.Count} files missing or failing their check";
                console.WriteLine($"{name.Name,-18} {name.Classes,3} classes  {family.Title,-14} {state,-22} {CacheFolder(family)}");
            }
            console.WriteLine($"{DatasetName.FolderName,-18}   - classes  your pictures: --data-dir DIR, a tree of class folders (train/, valid/, test/ or none)");
            return ExitCodes.Success;
        });
        return command;
    }

    private static IReadOnlyList<CachedFileStatus> Statuses(DatasetFamily family) => family.Cifar is { } cifar
        ? new CifarCache(cifar, DataLocation.DefaultCacheRoot()).Verify()
        : new IdxCache(family, DataLocation.DefaultCacheRoot()).Verify();

    private static string CacheFolder(DatasetFamily family) => family.Cifar is { } cifar
        ? new CifarCache(cifar, DataLocation.DefaultCacheRoot()).Folder
        : new IdxCache(family, DataLocation.DefaultCacheRoot()).Folder;

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
            var family = DatasetName.Parse(parsed.GetRequiredValue(dataset)).Family!;
            var statuses = Statuses(family);
            foreach (var status in statuses)
            {
                console.WriteLine($"{status.File.Name,-24} {status.State.ToString().ToLowerInvariant(),-12} {status.Path}");
            }
            var bad = statuses.Count(s => s.State != CachedFileState.Ok);
            if (bad > 0)
            {
                throw new InvalidInputException(
                    $"{bad} of {statuses.Count} cached files are missing or fail their checksum; run 'descent data fetch --dataset {family.Name} --force'");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
