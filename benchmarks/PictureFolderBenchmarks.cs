using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Descent.Engine.Data;
using Descent.Engine.Layers;
using Descent.Engine.Losses;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using SkiaSharp;

namespace Descent.Benchmarks;

/// <summary>
/// Loading a tree of pictures: the 70,000 MNIST digits written as grey PNG files in torchvision's layout
/// (training/0..9, testing/0..9), decoded on every core the first time (the cache emptied before each
/// iteration), then read back from the cache. MNIST comes from the data cache ($DESCENT_DATA, else
/// ~/.cache/descent); the tree and the picture cache are temporary folders. Each load is seconds long,
/// so one iteration is one load, without warm-up, as a person's first run meets it.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class PictureFolderBenchmarks
{
    private string root = "";
    private string cacheRoot = "";
    private PictureTree tree = null!;

    [GlobalSetup]
    public void WriteTree()
    {
        var mnist = DatasetLoader.LoadAsync(DatasetName.Mnist, DataLocation.FromOptions(DatasetName.Mnist, null)).GetAwaiter().GetResult();
        root = Directory.CreateTempSubdirectory("descent-bench-tree-").FullName;
        cacheRoot = Directory.CreateTempSubdirectory("descent-bench-cache-").FullName;
        Write(Path.Combine(root, "training"), mnist.Train);
        Write(Path.Combine(root, "testing"), mnist.Valid);
        tree = PictureTree.Scan(root);
    }

    [GlobalCleanup]
    public void Remove()
    {
        Directory.Delete(root, recursive: true);
        Directory.Delete(cacheRoot, recursive: true);
    }

    [IterationSetup(Target = nameof(FirstLoad))]
    public void EmptyTheCache()
    {
        if (Directory.Exists(Path.Combine(cacheRoot, "folders")))
        {
            Directory.Delete(Path.Combine(cacheRoot, "folders"), recursive: true);
        }
    }

    [IterationSetup(Target = nameof(FromCache))]
    public void FillTheCache() => PictureFolderLoader.Load(tree, new PictureFolderOptions(), cacheRoot);

    /// <summary>Decodes all 70,000 pictures and writes the cache.</summary>
    [Benchmark(Baseline = true)]
    public int FirstLoad() => PictureFolderLoader.Load(PictureTree.Scan(root), new PictureFolderOptions(), cacheRoot).All.Count;

    /// <summary>Scans the tree (its names, sizes and times make the key) and reads the cached images.</summary>
    [Benchmark]
    public int FromCache() => PictureFolderLoader.Load(PictureTree.Scan(root), new PictureFolderOptions(), cacheRoot).All.Count;

    /// <summary>Writes each image as a grey PNG file in its class folder below <paramref name="splitFolder"/>, named by its index.</summary>
    internal static void Write(string splitFolder, ImageDataset images)
    {
        Parallel.For(0, images.Count, i =>
        {
            var folder = Path.Combine(splitFolder, images.Labels[i].ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            using var bitmap = new SKBitmap(new SKImageInfo(images.ImageCols, images.ImageRows, SKColorType.Gray8, SKAlphaType.Opaque));
            Marshal.Copy(images.Pixels, i * images.Features, bitmap.GetPixels(), images.Features);
            using var image = SKImage.FromBitmap(bitmap);
            using var png = image.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(folder, $"{i:D5}.png"), png.ToArray());
        });
    }
}

/// <summary>
/// A training epoch from a tree of pictures against one from IDX files of the same items: the first 10,000 MNIST training
/// digits written as PNG files (training/0..9), and as IDX files in the tree's item order. Both load into an
/// <see cref="ImageDataset"/> uploaded once, so an epoch of the default MLP (784-128-10, SGD lr 0.05 momentum 0.9, batch
/// 128) on the `cpu` backend should take the same time from either; loading is outside the timed epoch.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class PictureFolderEpochBenchmarks
{
    private const int Items = 10_000;

    private string root = "";
    private ComputeBackend backend = null!;
    private TrainingRun fromTree = null!;
    private TrainingRun fromIdx = null!;

    [GlobalSetup]
    public void Setup()
    {
        var mnist = DatasetLoader.LoadAsync(DatasetName.Mnist, DataLocation.FromOptions(DatasetName.Mnist, null)).GetAwaiter().GetResult();
        root = Directory.CreateTempSubdirectory("descent-bench-epoch-").FullName;
        var tree = Path.Combine(root, "tree");
        var idx = Path.Combine(root, "idx");
        PictureFolderBenchmarks.Write(Path.Combine(tree, "training"), mnist.Train.Subset(Enumerable.Range(0, Items).ToArray()));
        var pictures = PictureFolderLoader.Load(PictureTree.Scan(tree), new PictureFolderOptions(), Path.Combine(root, "cache")).Train;
        Directory.CreateDirectory(idx);
        foreach (var prefix in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Path.Combine(idx, $"{prefix}-images-idx3-ubyte"), Idx(0x803, [pictures.Count, pictures.ImageRows, pictures.ImageCols], pictures.Pixels));
            File.WriteAllBytes(Path.Combine(idx, $"{prefix}-labels-idx1-ubyte"), Idx(0x801, [pictures.Count], pictures.Labels.Select(label => (byte)label).ToArray()));
        }
        var files = DatasetLoader.LoadAsync(DatasetName.Mnist, DataLocation.FromOptions(DatasetName.Mnist, idx)).GetAwaiter().GetResult().Train;
        backend = Backends.Create("cpu");
        fromTree = new TrainingRun(backend, Spec(), pictures, pictures);
        fromIdx = new TrainingRun(backend, Spec(), files, files);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        fromTree.Dispose();
        fromIdx.Dispose();
        backend.Dispose();
        Directory.Delete(root, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public double EpochFromIdxFiles() => fromIdx.Learner.TrainEpoch().MeanLoss;

    [Benchmark]
    public double EpochFromTree() => fromTree.Learner.TrainEpoch().MeanLoss;

    private static TrainingSpec Spec() => new("mnist", [1, 28, 28], new ModelSpec([784, 128, 10], Activation.Relu, LinearInit.PyTorchDefault),
        LossFunction.CrossEntropy.Name, new OptimizerSettings(OptimizerKind.Sgd, 0.9f, 0f), new ScheduleSettings(ScheduleKind.Constant, 0.05f, 1, 1f, 1),
        128, Seed: 3);

    /// <summary>An IDX file: the magic (type and rank), each dimension big-endian, then the bytes.</summary>
    private static byte[] Idx(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var i = 0; i < dimensions.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        }
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }
}
