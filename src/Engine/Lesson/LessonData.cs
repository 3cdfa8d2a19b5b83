using Descent.Engine.Data;

namespace Descent.Engine.Lesson;

/// <summary>
/// The data the lesson runs on: MNIST's ten digits (chapter 5) and the 3s and 7s made from them (chapter
/// 4: the train set's to train on, the test set's as the book's "valid" set). Knows whether it is the
/// book's data, since a figure on other data (a folder of one's own, a test's subset) is compared with the
/// book's but not judged.
/// </summary>
public sealed class LessonData(DatasetSplits digits)
{
    private readonly Lazy<DatasetSplits> threesAndSevens = new(() => Data.ThreesAndSevens.From(digits));

    public DatasetSplits Digits { get; } = digits;

    public DatasetSplits ThreesAndSevens => threesAndSevens.Value;

    /// <summary>As many 3s and 7s as MNIST_SAMPLE: the book's setting for steps 1 to 6.</summary>
    public bool IsBooksThreesAndSevens =>
        ThreesAndSevens.Train.Count == Book.ThreesAndSevensTrainItems && ThreesAndSevens.Valid.Count == Book.ThreesAndSevensValidItems;

    /// <summary>Full MNIST, 60000 and 10000: chapter 5's setting for step 7.</summary>
    public bool IsFullMnist => Digits.Train.Count == Book.MnistTrainItems && Digits.Valid.Count == Book.MnistTestItems;
}
