namespace Descent.Engine.Data;

/// <summary>Where the four MNIST-format files of one dataset are, each raw or gzip-compressed.</summary>
public sealed record MnistFilePaths(string TrainImages, string TrainLabels, string TestImages, string TestLabels)
{
    /// <summary>The four files' paths, each as <paramref name="pathOf"/> gives it.</summary>
    public static MnistFilePaths Of(Func<MnistFile, string> pathOf) => new(
        pathOf(MnistFile.TrainImages), pathOf(MnistFile.TrainLabels), pathOf(MnistFile.TestImages), pathOf(MnistFile.TestLabels));
}
