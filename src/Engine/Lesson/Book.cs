namespace Descent.Engine.Lesson;

/// <summary>
/// The book's published figures (chapter 4, 04_mnist_basics, and chapter 5's full-MNIST MLP), as
/// the lesson's notes record them. Accuracies are on the book's "valid" set: for 3s and 7s, the test set's.
/// </summary>
public static class Book
{
    /// <summary>MNIST_SAMPLE: 6131 threes and 6265 sevens to train on.</summary>
    public const int ThreesAndSevensTrainItems = 12396;

    /// <summary>MNIST_SAMPLE's valid set: the test set's 1010 threes and 1028 sevens.</summary>
    public const int ThreesAndSevensValidItems = 2038;

    public const int MnistTrainItems = 60000;
    public const int MnistTestItems = 10000;

    public const double PixelSimilarityThrees = 0.9168;
    public const double PixelSimilaritySevens = 0.9854;
    public const double PixelSimilarityMean = 0.9511;

    public const double FromScratchAtInit = 0.4912;
    public const double FromScratchAfterOneEpoch = 0.6883;
    public const double FromScratchAfterTwentyMore = 0.9696;

    public const double LinearLayerAfterTwenty = 0.9785;

    public const double LearnerAfterTen = 0.9676;

    public const double SimpleNetAfterForty = 0.9828;

    /// <summary>What a plain MLP of chapter 5's kind usually reaches on the MNIST test set.</summary>
    public const double MlpLow = 0.97;
    public const double MlpHigh = 0.985;
}
