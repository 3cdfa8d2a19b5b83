namespace Descent.Engine.Data;

/// <summary>
/// The names MNIST gave its four IDX files. Every MNIST-format dataset keeps them (Fashion-MNIST on
/// purpose, to be a drop-in replacement), so a folder of any such dataset is found by these names.
/// </summary>
public static class IdxFileNames
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The four names in the order files are listed everywhere: training images, training labels, test images, test labels.</summary>
    public static IReadOnlyList<string> All { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>The path of <paramref name="name"/> in <paramref name="folder"/>, raw or with .gz added; null when neither is there.</summary>
    public static string? FindIn(string folder, string name) =>
        new[] { name, name + ".gz" }.Select(candidate => Path.Combine(folder, candidate)).FirstOrDefault(File.Exists);
}
