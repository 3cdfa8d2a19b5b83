using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Descent.Engine.Files;
using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>A tree's pictures as images, split as its folders say: the training set, and the validation and test sets where it has them.</summary>
public sealed record PictureFolderData(PictureTree Tree, ImageDataset Train, ImageDataset? Valid, ImageDataset? Test, bool FromCache)
{
    /// <summary>Every image of the tree, split by split, in <see cref="PictureTree.Files"/>'s order.</summary>
    public required ImageDataset All { get; init; }

    /// <summary>
    /// What training measures on, as for a named dataset: the tree's valid/ folder where it has one (it chooses: best
    /// epoch, early stop; --valid-split is then refused, the folder being the split), else a held-out part of train/ when
    /// <paramref name="validSplit"/> is given (seeded; test/ is then unused, as a named dataset's test set is), else test/,
    /// only reported. A tree with none of these needs <paramref name="validSplit"/>.
    /// </summary>
    public DatasetSplits ForTraining(double? validSplit, int seed)
    {
        if (Valid is not null)
        {
            if (validSplit is not null)
            {
                throw new Kernels.InvalidInputException(
                    $"{Tree.Root} has its own validation folder: --valid-split holds out part of a tree that has none");
            }
            return new DatasetSplits(Train, Valid);
        }
        if (validSplit is { } fraction)
        {
            return ValidationSplit.HoldOut(Train, fraction, seed);
        }
        return new DatasetSplits(Train, Test ?? throw new Kernels.InvalidInputException(
            $"{Tree.Root} has no valid/ or test/ folder to measure on: give --valid-split F to hold out part of it"));
    }

    /// <summary>
    /// What `descent eval` measures on: test/ where the tree has it, else valid/, else the part of train/ the model's run
    /// held out (<paramref name="validSplit"/>, <paramref name="seed"/>: the same images), else all of it.
    /// </summary>
    public ImageDataset ForEvaluation(double? validSplit, int seed) =>
        Test ?? Valid ?? (validSplit is { } fraction ? ValidationSplit.HoldOut(Train, fraction, seed).Valid : Train);
}

/// <summary>
/// Decodes a <see cref="PictureTree"/>'s pictures into images, on every core, once: the images are cached under the data
/// root (never in the person's folder) in folders/KEY/pictures.bin, KEY a hash of every picture's relative path, size and
/// modification time, its split and label, and the options; a changed, added or removed picture makes another key. A picture
/// is grey when R = G = B in every pixel (alpha is ignored); colour becomes grey by ITU-R 601's 299/587/114 weights. Resizing
/// stretches to the size asked (the aspect ratio is not kept, as fastai's Resize(method='squish')), by SkiaSharp's Mitchell
/// cubic filter. The decoding is <see cref="PictureDecoder"/>'s, which `descent predict` shares.
/// </summary>
public static class PictureFolderLoader
{
    /// <summary>Bumped whenever the decoding or the file's layout changes, so that old caches are not read.</summary>
    private const string FormatVersion = "descent-picture-cache-1";

    private static readonly byte[] Magic = "DSCNTPF1"u8.ToArray();

    /// <summary>The pictures a message names when many do not decode.</summary>
    private const int NamedFailures = 3;

    /// <summary>The cache's folder for <paramref name="tree"/> read with <paramref name="options"/> under <paramref name="cacheRoot"/>.</summary>
    public static string CacheFileFor(PictureTree tree, PictureFolderOptions options, string cacheRoot) =>
        Path.Combine(cacheRoot, "folders", Key(tree, options), "pictures.bin");

    /// <summary>
    /// The tree's images: from the cache when it holds them, else decoded (reporting to <paramref name="progress"/>) and cached.
    /// A picture that does not decode, or pictures of different sizes without <see cref="PictureFolderOptions.Size"/>, are bad
    /// input found before anything is written; an unwritable cache is the machine's (exit 3).
    /// </summary>
    /// <param name="decoding">Told each picture decoded, for a progress bar; where given, the decoding's own percentage lines are left out.</param>
    public static PictureFolderData Load(PictureTree tree, PictureFolderOptions options, string cacheRoot,
        IProgress<string>? progress = null, CancellationToken cancellation = default, IProgress<PicturesDecoded>? decoding = null)
    {
        options.Validate();
        var cacheFile = CacheFileFor(tree, options, cacheRoot);
        var all = TryReadCache(cacheFile, tree);
        var fromCache = all is not null;
        if (all is null)
        {
            all = Decode(tree, options, progress, decoding, cancellation);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
                WriteCache(cacheFile, all);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw new DataUnavailableException(
                    $"cannot write the picture cache {cacheFile}: {FailureCause.Of(error)}; set ${DataLocation.DataRootVariable} to a writable folder", error);
            }
        }
        else
        {
            progress?.Report($"read {tree.Files.Count} decoded pictures from the cache {cacheFile}");
        }
        return new PictureFolderData(tree, Part(all, tree, PictureSplit.Train)!, Part(all, tree, PictureSplit.Valid),
            Part(all, tree, PictureSplit.Test), fromCache) { All = all };
    }

    /// <summary>The images of one split, a contiguous run of the tree's files; null when the tree has none.</summary>
    private static ImageDataset? Part(ImageDataset all, PictureTree tree, PictureSplit split)
    {
        var indices = Enumerable.Range(0, tree.Files.Count).Where(i => tree.Files[i].Split == split).ToArray();
        return indices.Length == 0 ? null : all.Subset(indices);
    }

    private static string Key(PictureTree tree, PictureFolderOptions options)
    {
        var text = new StringBuilder();
        text.Append(FormatVersion).Append('\n').Append(options).Append('\n');
        text.AppendJoin('\t', tree.ClassNames).Append('\n');
        foreach (var file in tree.Files)
        {
            text.Append(CultureInfo.InvariantCulture, $"{file.RelativePath}\t{file.Length}\t{file.LastWriteUtc.Ticks}\t{file.Split}\t{file.Label}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }

    private static ImageDataset Decode(PictureTree tree, PictureFolderOptions options, IProgress<string>? progress,
        IProgress<PicturesDecoded>? decoding, CancellationToken cancellation)
    {
        var files = tree.Files;
        var decoded = new DecodedPicture?[files.Count];
        var threads = Environment.ProcessorCount;
        progress?.Report($"decoding {files.Count} pictures in {tree.Root} on {threads} cores (once: they are cached)");
        var done = 0;
        var reportEvery = Math.Max(1, files.Count / 10);
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellation }, i =>
        {
            decoded[i] = DecodeOne(files[i].Path, options.Size);
            var count = Interlocked.Increment(ref done);
            decoding?.Report(new PicturesDecoded(count, files.Count));
            if (decoding is null && count % reportEvery == 0 && count < files.Count)
            {
                progress?.Report($"decoded {count}/{files.Count} pictures ({100L * count / files.Count}%)");
            }
        });

        var failed = Enumerable.Range(0, files.Count).Where(i => decoded[i] is null).ToList();
        if (failed.Count > 0)
        {
            var named = string.Join(", ", failed.Take(NamedFailures).Select(i => files[i].RelativePath));
            throw new InvalidInputException(
                $"{failed.Count} of {files.Count} pictures in {tree.Root} do not decode: {named}{(failed.Count > NamedFailures ? ", ..." : "")}");
        }
        var first = decoded[0]!;
        var otherSize = Array.FindIndex(decoded, picture => picture!.Width != first.Width || picture.Height != first.Height);
        if (otherSize >= 0)
        {
            var other = decoded[otherSize]!;
            throw new InvalidInputException(
                $"the pictures differ in size: {files[0].RelativePath} is {first.Width}x{first.Height}, {files[otherSize].RelativePath} is " +
                $"{other.Width}x{other.Height}; give --image-size WxH to resize them all");
        }

        var channels = options.Channels ?? (decoded.All(picture => picture!.Grey) ? 1 : 3);
        var plane = first.Width * first.Height;
        var features = channels * plane;
        var pixels = new byte[(long)files.Count * features];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellation }, i =>
            decoded[i]!.AsChannels(channels).CopyTo(pixels.AsSpan(i * features, features)));
        var labels = files.Select(file => file.Label).ToArray();
        return new ImageDataset(pixels, labels, channels, first.Height, first.Width, tree.ClassNames.Count);
    }

    /// <summary>Pictures larger than this (16 M pixels) are counted among those that do not decode.</summary>
    private const long MaxPixels = 16_777_216;

    /// <summary>One picture decoded, and resized to <paramref name="size"/> when given; null when it does not decode.</summary>
    private static DecodedPicture? DecodeOne(string path, (int Width, int Height)? size)
    {
        byte[] encoded;
        try
        {
            encoded = File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw InputFailedException.Reading(path, error);
        }
        try
        {
            return PictureDecoder.Decode(encoded, path, size, MaxPixels);
        }
        catch (InvalidInputException)
        {
            // Counted and named together once every picture is tried, rather than one at a time.
            return null;
        }
    }

    /// <summary>Header: magic, then count, channels, height, width and classes as int32; then the labels (int32) and the pixels.</summary>
    private static void WriteCache(string path, ImageDataset all)
    {
        var header = new int[] { all.Count, all.Channels, all.ImageRows, all.ImageCols, all.Classes };
        var bytes = new byte[Magic.Length + 4 * header.Length + 4L * all.Count + all.Pixels.Length];
        Magic.CopyTo(bytes, 0);
        MemoryMarshal.AsBytes(header.AsSpan()).CopyTo(bytes.AsSpan(Magic.Length));
        MemoryMarshal.AsBytes(all.Labels.AsSpan()).CopyTo(bytes.AsSpan(Magic.Length + 4 * header.Length));
        all.Pixels.CopyTo(bytes.AsSpan(Magic.Length + 4 * header.Length + 4 * all.Count));
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The cached images, or null when there is no cache or it does not hold what the tree says (a miss, decoded afresh).</summary>
    private static ImageDataset? TryReadCache(string path, PictureTree tree)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }
            using var file = File.OpenRead(path);
            var head = new byte[Magic.Length + 20];
            file.ReadExactly(head);
            if (!head.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            {
                return null;
            }
            var header = MemoryMarshal.Cast<byte, int>(head.AsSpan(Magic.Length)).ToArray();
            var (count, channels, rows, cols, classes) = (header[0], header[1], header[2], header[3], header[4]);
            var features = (long)channels * rows * cols;
            if (count != tree.Files.Count || classes != tree.ClassNames.Count || channels is not (1 or 3) || rows <= 0 || cols <= 0
                || file.Length != head.Length + 4L * count + count * features)
            {
                return null;
            }
            var labels = new int[count];
            file.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan()));
            var pixels = new byte[count * features];
            file.ReadExactly(pixels);
            return new ImageDataset(pixels, labels, channels, rows, cols, classes);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidInputException)
        {
            // A cache that cannot be read is decoded again and rewritten, never trusted.
            return null;
        }
    }
}

/// <summary>How far decoding a tree has gone: <paramref name="Done"/> of <paramref name="Total"/> pictures, in any order.</summary>
public readonly record struct PicturesDecoded(int Done, int Total);
