using System.Globalization;
using Descent.Engine.Files;
using Descent.Engine.Models;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Checkpoints;

/// <summary>A checkpoint as read back: where it lies, its state, the model's weights and the optimizer's buffers.</summary>
public sealed record Checkpoint(string Folder, CheckpointState State, IReadOnlyList<NamedTensor> Model,
    IReadOnlyList<NamedTensor> OptimizerState, long OptimizerSteps);

/// <summary>
/// A folder of checkpoints, one sub-folder per finished epoch (checkpoint-N/ with model.safetensors,
/// optimizer.safetensors and state.json), a file "latest" naming the newest, and best/, a copy of the
/// checkpoint with the lowest validation loss. Each checkpoint is built in a hidden temporary folder and
/// renamed into place whole, and "latest" is replaced by rename after it, so a process killed at any
/// moment leaves "latest" naming a complete checkpoint; a reader that finds "latest" missing or broken
/// takes the newest complete checkpoint instead (and says so). A run holds its folder with a lock
/// (<see cref="FolderLock"/> on .lock) from <see cref="Open"/> to <see cref="Dispose"/>, so a second run
/// on the same folder is refused rather than mixing its checkpoints in; the lock dies with its process.
/// </summary>
public sealed class CheckpointFolder : IDisposable
{
    public const string LatestFile = "latest";
    public const string BestFolder = "best";
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "state.json";
    public const string LockFile = ".lock";
    private const string Prefix = "checkpoint-";
    private const string StepsKey = "steps";
    private const string OptimizerKey = "optimizer";

    private readonly FolderLock held;

    private CheckpointFolder(string root, FolderLock held) => (Root, this.held) = (root, held);

    public string Root { get; }

    /// <summary>Lets the folder go, for another run to write.</summary>
    public void Dispose() => held.Dispose();

    /// <summary>
    /// Opens <paramref name="root"/> for writing, creating it and any missing parents, holds it against other
    /// runs until <see cref="Dispose"/>, and clears what an earlier killed run left half-built. A folder another
    /// live run holds is bad input naming that run. A file in its place is bad input; a folder that cannot be made is unavailable.
    /// </summary>
    public static CheckpointFolder Open(string root)
    {
        if (string.IsNullOrWhiteSpace(root))
        {
            throw new InvalidInputException("--checkpoint needs a folder name");
        }
        if (File.Exists(root))
        {
            throw new InvalidInputException($"checkpoint folder {root} is a file, not a folder");
        }
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OutputFailedException($"cannot write checkpoint folder {root}: {error.Message}", error);
        }
        // Held before anything in it is touched: the hidden folders are a live run's work until its lock is ours.
        var held = FolderLock.Acquire(root, LockFile, $"checkpoint folder {root}");
        try
        {
            foreach (var leftover in Directory.EnumerateDirectories(root, ".*.tmp"))
            {
                Directory.Delete(leftover, recursive: true);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            held.Dispose();
            throw new OutputFailedException($"cannot write checkpoint folder {root}: {error.Message}", error);
        }
        return new CheckpointFolder(root, held);
    }

    /// <summary>
    /// Whether the name <paramref name="name"/>, directly under a checkpoint folder, is one the folder writes or
    /// replaces (latest, best, checkpoint-N, the lock, the hidden folders a checkpoint is built in), so that no
    /// other output of the run may be put there; any other name (a metrics file beside the checkpoints) is free.
    /// </summary>
    public static bool Owns(string name) =>
        name is LatestFile or BestFolder or LockFile || name.StartsWith(Prefix, StringComparison.Ordinal)
        || (name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal));

    /// <summary>The folder of epoch <paramref name="epoch"/>'s checkpoint.</summary>
    public string PathOf(int epoch) => Path.Combine(Root, Prefix + epoch.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Writes <paramref name="run"/>'s weights and optimizer state with <paramref name="state"/> as
    /// checkpoint-N (N = state.Epoch), then points "latest" at it. Returns the checkpoint's folder.
    /// </summary>
    public string Write(TrainingRun run, CheckpointState state)
    {
        var target = PathOf(state.Epoch);
        var building = Hidden($"{Prefix}{state.Epoch}");
        try
        {
            Directory.CreateDirectory(building);
            ModelWeights.Save(Path.Combine(building, ModelFile), run.Backend, run.Model, state.Spec, state.DescentVersion);
            SafeTensors.Write(Path.Combine(building, OptimizerFile), run.Optimizer.ExportState(), new Dictionary<string, string>
            {
                [OptimizerKey] = run.Optimizer.Name,
                [StepsKey] = run.Optimizer.StepsTaken.ToString(CultureInfo.InvariantCulture),
            });
            AtomicFile.WriteAllText(Path.Combine(building, StateFile), state.ToJson().ToJsonString() + "\n");
            ReplaceFolder(building, target);
            AtomicFile.WriteAllText(Path.Combine(Root, LatestFile), Path.GetFileName(target) + "\n");
            return target;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OutputFailedException($"cannot write checkpoint {target}: {error.Message}", error);
        }
        finally
        {
            DeleteIfPresent(building);
        }
    }

    /// <summary>Makes best/ a copy of epoch <paramref name="epoch"/>'s checkpoint, built aside and swapped in.</summary>
    public void MarkBest(int epoch)
    {
        var building = Hidden(BestFolder);
        try
        {
            Directory.CreateDirectory(building);
            foreach (var file in Directory.EnumerateFiles(PathOf(epoch)))
            {
                File.Copy(file, Path.Combine(building, Path.GetFileName(file)));
            }
            ReplaceFolder(building, Path.Combine(Root, BestFolder));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OutputFailedException($"cannot write {Path.Combine(Root, BestFolder)}: {error.Message}", error);
        }
        finally
        {
            DeleteIfPresent(building);
        }
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints; best/ and the one "latest" names are never deleted.</summary>
    public void KeepNewest(int keep, int latestEpoch)
    {
        foreach (var epoch in Epochs(Root).OrderByDescending(epoch => epoch).Skip(keep).Where(epoch => epoch != latestEpoch))
        {
            DeleteIfPresent(PathOf(epoch));
        }
    }

    /// <summary>
    /// The checkpoint <paramref name="path"/> means: a checkpoint-N folder itself, or a checkpoint root,
    /// meaning the one "latest" names (or, where "latest" is missing, names something other than a
    /// checkpoint-N folder directly inside the root, or an incomplete one, the newest complete one, which
    /// <paramref name="notice"/> is told in one line so the fallback is never silent). No checkpoint there is bad input.
    /// </summary>
    public static string Resolve(string path, Action<string>? notice = null)
    {
        if (!Directory.Exists(path))
        {
            throw new InvalidInputException(File.Exists(path)
                ? $"{path} is a file, not a checkpoint folder"
                : $"checkpoint folder {path} does not exist");
        }
        if (IsComplete(path))
        {
            return path;
        }
        var latest = Path.Combine(path, LatestFile);
        string? problem;
        if (File.Exists(latest))
        {
            var name = File.ReadAllText(latest).Trim();
            // Only a plain name of this folder's own checkpoint: "../other/checkpoint-3" or an absolute path would leave the folder.
            var own = name.Length > 0 && Path.GetFileName(name) == name && name is not ("." or "..")
                && name.StartsWith(Prefix, StringComparison.Ordinal);
            if (own && IsComplete(Path.Combine(path, name)))
            {
                return Path.Combine(path, name);
            }
            problem = name.Length == 0 ? $"{latest} is empty"
                : !own ? $"{latest} names {name}, which is not a {Prefix}N folder in {path}"
                : $"{latest} names {name}, which is missing or incomplete";
        }
        else
        {
            problem = $"{path} has no {LatestFile} file";
        }
        var newest = Epochs(path).OrderByDescending(epoch => epoch)
            .Select(epoch => Path.Combine(path, Prefix + epoch.ToString(CultureInfo.InvariantCulture)))
            .FirstOrDefault(IsComplete);
        if (newest is null)
        {
            throw new InvalidInputException($"{path} holds no checkpoint ({problem}, and there is no complete {Prefix}N folder)");
        }
        notice?.Invoke($"{problem}: using {Path.GetFileName(newest)}, the newest complete checkpoint");
        return newest;
    }

    /// <summary>
    /// The checkpoint folder <paramref name="path"/> lies in: its parent for a checkpoint-N folder named
    /// directly, else the path itself. A path that is no folder is bad input, as for <see cref="Resolve"/>.
    /// </summary>
    public static string RootOf(string path)
    {
        if (!Directory.Exists(path))
        {
            Resolve(path);
        }
        return IsComplete(path) ? Path.GetDirectoryName(Path.GetFullPath(path))! : Path.GetFullPath(path);
    }

    /// <summary>Reads the checkpoint <paramref name="path"/> means (see <see cref="Resolve"/>), checking each file.</summary>
    public static Checkpoint Load(string path, Action<string>? notice = null)
    {
        var folder = Resolve(path, notice);
        var statePath = Path.Combine(folder, StateFile);
        var state = CheckpointState.FromJson(File.ReadAllText(statePath), statePath);
        var (modelSpec, model) = ModelWeights.ReadModel(Path.Combine(folder, ModelFile));
        if (modelSpec.Model != state.Spec.Model)
        {
            throw new InvalidInputException($"{folder}: its model file and its state describe different models");
        }
        var optimizerPath = Path.Combine(folder, OptimizerFile);
        var optimizer = SafeTensors.Read(optimizerPath);
        // A NaN momentum or moment would turn the weights NaN on the first step, as NaN weights would.
        ModelWeights.RefuseNonFinite(optimizer.Tensors, optimizerPath);
        if (!optimizer.Metadata.TryGetValue(StepsKey, out var stepsText)
            || !long.TryParse(stepsText, NumberStyles.None, CultureInfo.InvariantCulture, out var steps))
        {
            throw new InvalidInputException($"{optimizerPath} does not say how many steps the optimizer took");
        }
        return new Checkpoint(folder, state, model, optimizer.Tensors, steps);
    }

    /// <summary>The model file a checkpoint folder means, for commands that only need the weights.</summary>
    public static string ModelFileOf(string path, Action<string>? notice = null) => Path.Combine(Resolve(path, notice), ModelFile);

    private static bool IsComplete(string folder) =>
        File.Exists(Path.Combine(folder, ModelFile)) && File.Exists(Path.Combine(folder, OptimizerFile))
        && File.Exists(Path.Combine(folder, StateFile));

    private static IEnumerable<int> Epochs(string root) =>
        Directory.EnumerateDirectories(root, Prefix + "*")
            .Select(folder => int.TryParse(Path.GetFileName(folder)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture,
                out var epoch) ? epoch : -1)
            .Where(epoch => epoch >= 0);

    /// <summary>A hidden name in the root that <see cref="Open"/> clears if a killed run leaves it behind.</summary>
    private string Hidden(string name) => Path.Combine(Root, $".{name}.{Guid.NewGuid():N}.tmp");

    /// <summary>Puts the finished folder <paramref name="built"/> at <paramref name="target"/>, moving any older one aside first.</summary>
    private void ReplaceFolder(string built, string target)
    {
        string? old = null;
        if (Directory.Exists(target))
        {
            old = Hidden(Path.GetFileName(target) + ".old");
            Directory.Move(target, old);
        }
        Directory.Move(built, target);
        if (old is not null)
        {
            DeleteIfPresent(old);
        }
    }

    private static void DeleteIfPresent(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
