using Descent.Engine.Data;
using Descent.Kernels;

namespace Descent.Engine.Lesson;

/// <summary>
/// The data the lesson runs on: MNIST's ten digits (chapter 5) and the 3s and 7s made from them (chapter
/// 4: the train set's to train on, the test set's as the book's "valid" set), or the 3s and 7s alone, as
/// MNIST_SAMPLE's folders hold them. Knows whether it is the book's data, since a figure on other data (a
/// folder of one's own, a test's subset) is compared with the book's but not judged.
/// </summary>
public sealed class LessonData
{
    private readonly DatasetSplits? digits;
    private readonly Lazy<DatasetSplits> threesAndSevens;

    /// <summary>The lesson on MNIST's ten digits, its 3s and 7s made from them.</summary>
    public LessonData(DatasetSplits digits)
    {
        this.digits = digits;
        threesAndSevens = new(() => Data.ThreesAndSevens.From(digits));
        ValidSetName = "the test set's";
    }

    private LessonData(DatasetSplits threesAndSevens, string validSetName)
    {
        this.threesAndSevens = new(threesAndSevens);
        ValidSetName = validSetName;
    }

    /// <summary>
    /// The lesson on 3s and 7s alone (label 1 for a 3, 0 for a 7, as <see cref="Data.ThreesAndSevens"/> labels them), validated
    /// on what <paramref name="validSetName"/> names ("valid/'s"); the parts that need ten digits cannot run on it.
    /// </summary>
    public static LessonData OfThreesAndSevens(DatasetSplits threesAndSevens, string validSetName) => new(threesAndSevens, validSetName);

    /// <summary>Whether MNIST's ten digits are here, for the parts that train on them (<see cref="LessonPart.NeedsTenDigits"/>).</summary>
    public bool HasDigits => digits is not null;

    public DatasetSplits Digits => digits
        ?? throw new InvalidInputException("this part of the lesson trains on MNIST's ten digits; the lesson's data holds 3s and 7s only");

    public DatasetSplits ThreesAndSevens => threesAndSevens.Value;

    /// <summary>Whose 3s and 7s the lesson validates on, for its notes: "the test set's" for MNIST's, "valid/'s" for MNIST_SAMPLE's folders.</summary>
    public string ValidSetName { get; }

    /// <summary>As many 3s and 7s as MNIST_SAMPLE: the book's setting for steps 1 to 6.</summary>
    public bool IsBooksThreesAndSevens =>
        ThreesAndSevens.Train.Count == Book.ThreesAndSevensTrainItems && ThreesAndSevens.Valid.Count == Book.ThreesAndSevensValidItems;

    /// <summary>Full MNIST, 60000 and 10000: chapter 5's setting for step 7.</summary>
    public bool IsFullMnist => digits is not null && Digits.Train.Count == Book.MnistTrainItems && Digits.Valid.Count == Book.MnistTestItems;
}
