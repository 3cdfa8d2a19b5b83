using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>The datasets Descent knows by name, as the host's options spell them.</summary>
public sealed class DatasetName
{
    /// <summary>Full MNIST: 60000 training and 10000 test images of the digits 0-9.</summary>
    public static readonly DatasetName Mnist = new("mnist", DatasetFamily.Mnist, DatasetFamily.Mnist.ClassNames,
        mirrorKeepsClass: false);

    /// <summary>
    /// The lesson's MNIST_SAMPLE made from full MNIST: the train set's 3s and 7s (12396) to train on,
    /// the test set's 3s and 7s (2038) to validate on; label 1 for a 3, 0 for a 7.
    /// </summary>
    public static readonly DatasetName MnistThreesAndSevens = new("mnist-3-7", DatasetFamily.Mnist, ThreesAndSevens.ClassNames,
        mirrorKeepsClass: false);

    /// <summary>Full Fashion-MNIST: 60000 training and 10000 test images of 10 kinds of clothing.</summary>
    public static readonly DatasetName FashionMnist = new("fashion-mnist", DatasetFamily.FashionMnist,
        DatasetFamily.FashionMnist.ClassNames, mirrorKeepsClass: true);

    /// <summary>CIFAR-10: 50000 training and 10000 test colour pictures (32x32) of 10 classes.</summary>
    public static readonly DatasetName Cifar10 = new("cifar-10", DatasetFamily.Cifar10, DatasetFamily.Cifar10.ClassNames,
        mirrorKeepsClass: true, defaultAugment: ["crop4", "flip"]);

    /// <summary>CIFAR-100 labelled by its 100 fine classes (--labels fine, the default).</summary>
    public static readonly DatasetName Cifar100 = new("cifar-100", DatasetFamily.Cifar100, DatasetFamily.Cifar100.ClassNames,
        mirrorKeepsClass: true, defaultAugment: ["crop4", "flip"]);

    /// <summary>CIFAR-100 labelled by its 20 superclasses (--labels coarse): the same pictures, the records' first label byte.</summary>
    public static readonly DatasetName Cifar100Coarse = new("cifar-100-coarse", DatasetFamily.Cifar100,
        DatasetFamily.Cifar100CoarseClassNames, mirrorKeepsClass: true, defaultAugment: ["crop4", "flip"]);

    /// <summary>The label sets --labels chooses between, for CIFAR-100.</summary>
    public static IReadOnlyList<string> LabelKinds { get; } = ["fine", "coarse"];

    /// <summary>The name a tree of class folders of pictures goes by in specs and messages.</summary>
    public const string FolderName = "folder";

    /// <param name="defaultAugment">
    /// The training augmentation a run gets unless --augment says otherwise, as the spec's tokens: only where it helps. Digits
    /// and Fashion-MNIST's centred 28x28 items train best unaugmented by default; a colour dataset of photographs (CIFAR's)
    /// takes every recipe's crop4 and flip here.
    /// </param>
    private DatasetName(string name, DatasetFamily? family, IReadOnlyList<string> classNames, bool mirrorKeepsClass,
        IReadOnlyList<string>? defaultAugment = null)
    {
        Name = name;
        Family = family;
        ClassNames = classNames;
        MirrorKeepsClass = mirrorKeepsClass;
        DefaultAugment = defaultAugment ?? [];
    }

    public static IReadOnlyList<DatasetName> All { get; } = [Mnist, MnistThreesAndSevens, FashionMnist, Cifar10, Cifar100, Cifar100Coarse];

    public string Name { get; }

    /// <summary>
    /// A tree of class folders of pictures (<see cref="PictureTree"/>), whose classes are its folders' names in ordinal order.
    /// It is no family's and has no cache of its own files: --data-dir names it.
    /// </summary>
    public static DatasetName OfFolder(IReadOnlyList<string> classNames) => new(FolderName, null, classNames, mirrorKeepsClass: true);

    /// <summary>Whose files the dataset is made from, and so which cache folder and sources it uses; null for a tree of pictures.</summary>
    public DatasetFamily? Family { get; }

    /// <summary>Whether the dataset is a tree of class folders of pictures, read from --data-dir.</summary>
    public bool IsFolder => Family is null;

    /// <summary>What each label means, in label order (what a model's output i stands for): the digit for MNIST; for mnist-3-7, label 0 is a 7 and label 1 a 3.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public int Classes => ClassNames.Count;

    /// <summary>Whether an item mirrored left to right is still of its class, so a flip may augment it: never for digits (a mirrored 7 is no digit).</summary>
    public bool MirrorKeepsClass { get; }

    /// <summary>The augmentation of a run that asks for none, as the spec's tokens; empty where none helps.</summary>
    public IReadOnlyList<string> DefaultAugment { get; }

    /// <summary>The dataset called <paramref name="name"/> (case-insensitive).</summary>
    public static DatasetName Parse(string name) =>
        All.FirstOrDefault(dataset => string.Equals(dataset.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidInputException(
            $"unknown dataset '{name}'; known: {string.Join(", ", All.Select(dataset => dataset.Name))}");

    /// <summary>
    /// The dataset called <paramref name="name"/> with the labels --labels asks for: "coarse" makes cifar-100 its
    /// superclasses; "fine" is every dataset's own labels, and any other dataset has no choice of labels.
    /// </summary>
    public static DatasetName WithLabels(string name, string? labels)
    {
        var dataset = Parse(name);
        return labels switch
        {
            null or "fine" when dataset != Cifar100Coarse => dataset,
            "coarse" when dataset.Family == DatasetFamily.Cifar100 => Cifar100Coarse,
            _ when !LabelKinds.Contains(labels) => throw new InvalidInputException(
                $"--labels must be one of {string.Join(", ", LabelKinds)}, got '{labels}'"),
            _ => throw new InvalidInputException(
                $"--labels {labels} does not apply to --dataset {dataset.Name}: coarse and fine labels are cifar-100's"),
        };
    }

    public override string ToString() => Name;
}
