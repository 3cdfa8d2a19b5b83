using Descent.Kernels;

namespace Descent.Engine.Data;

/// <summary>The datasets Descent knows by name, as the host's options spell them.</summary>
public sealed class DatasetName
{
    /// <summary>Full MNIST: 60000 training and 10000 test images of the digits 0-9.</summary>
    public static readonly DatasetName Mnist = new("mnist", DatasetFamily.Mnist, DatasetFamily.Mnist.ClassNames);

    /// <summary>
    /// The lesson's MNIST_SAMPLE made from full MNIST: the train set's 3s and 7s (12396) to train on,
    /// the test set's 3s and 7s (2038) to validate on; label 1 for a 3, 0 for a 7.
    /// </summary>
    public static readonly DatasetName MnistThreesAndSevens = new("mnist-3-7", DatasetFamily.Mnist, ThreesAndSevens.ClassNames);

    /// <summary>Full Fashion-MNIST: 60000 training and 10000 test images of 10 kinds of clothing.</summary>
    public static readonly DatasetName FashionMnist = new("fashion-mnist", DatasetFamily.FashionMnist, DatasetFamily.FashionMnist.ClassNames);

    /// <summary>The name a tree of class folders of pictures goes by in specs and messages.</summary>
    public const string FolderName = "folder";

    private DatasetName(string name, DatasetFamily? family, IReadOnlyList<string> classNames)
    {
        Name = name;
        Family = family;
        ClassNames = classNames;
    }

    public static IReadOnlyList<DatasetName> All { get; } = [Mnist, MnistThreesAndSevens, FashionMnist];

    public string Name { get; }

    /// <summary>
    /// A tree of class folders of pictures (<see cref="PictureTree"/>), whose classes are its folders' names in ordinal order.
    /// It is no family's and has no cache of its own files: --data-dir names it.
    /// </summary>
    public static DatasetName OfFolder(IReadOnlyList<string> classNames) => new(FolderName, null, classNames);

    /// <summary>Whose files the dataset is made from, and so which cache folder and sources it uses; null for a tree of pictures.</summary>
    public DatasetFamily? Family { get; }

    /// <summary>Whether the dataset is a tree of class folders of pictures, read from --data-dir.</summary>
    public bool IsFolder => Family is null;

    /// <summary>What each label means, in label order (what a model's output i stands for): the digit for MNIST; for mnist-3-7, label 0 is a 7 and label 1 a 3.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public int Classes => ClassNames.Count;

    /// <summary>The dataset called <paramref name="name"/> (case-insensitive).</summary>
    public static DatasetName Parse(string name) =>
        All.FirstOrDefault(dataset => string.Equals(dataset.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidInputException(
            $"unknown dataset '{name}'; known: {string.Join(", ", All.Select(dataset => dataset.Name))}");

    public override string ToString() => Name;
}
