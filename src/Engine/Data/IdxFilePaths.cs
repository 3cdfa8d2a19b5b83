namespace Descent.Engine.Data;

/// <summary>Where the four MNIST-format files of one dataset are, each raw or gzip-compressed.</summary>
public sealed record IdxFilePaths(string TrainImages, string TrainLabels, string TestImages, string TestLabels)
{
    /// <summary>The four files' paths, each as <paramref name="pathOf"/> gives it for the file's standard name.</summary>
    public static IdxFilePaths Of(Func<string, string> pathOf) => new(
        pathOf(IdxFileNames.TrainImages), pathOf(IdxFileNames.TrainLabels), pathOf(IdxFileNames.TestImages), pathOf(IdxFileNames.TestLabels));
}
