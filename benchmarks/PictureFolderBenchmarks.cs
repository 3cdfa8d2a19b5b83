using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Descent.Engine.Data;
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

    private static void Write(string splitFolder, ImageDataset images)
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
