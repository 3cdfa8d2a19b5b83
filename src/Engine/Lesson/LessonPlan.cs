using Descent.Kernels;

namespace Descent.Engine.Lesson;

/// <summary>
/// The lesson as Descent runs it: the chapter's steps in the chapter's order, numbered from 1, and
/// the seed's experiments. The `descent lesson` command, its --step choices, its subcommands and its help
/// are all made from these two lists.
/// </summary>
public static class LessonPlan
{
    /// <summary>Step N is Steps[N - 1].</summary>
    public static IReadOnlyList<LessonPart> Steps { get; } =
    [
        new PixelSimilarityStep(),
        new SevenStepsStep(),
        new FromScratchStep(),
        new LinearLayerStep(),
        new LearnerStep(),
        new SimpleNetStep(),
        new FullMnistStep(),
    ];

    public static IReadOnlyList<LessonPart> Experiments { get; } =
    [
        new BatchSizeExperiment(),
        new LearningRateExperiment(),
        new NonlinearityExperiment(),
        new DepthExperiment(),
    ];

    /// <summary>Step <paramref name="number"/>, counted from 1; any other number is bad input listing the steps.</summary>
    public static LessonPart Step(int number) =>
        number >= 1 && number <= Steps.Count
            ? Steps[number - 1]
            : throw new InvalidInputException($"--step takes 1 to {Steps.Count} ({StepList}), got {number}");

    /// <summary>"1 pixel-similarity, 2 seven-steps, ...": the steps by number and name.</summary>
    public static string StepList => string.Join(", ", Steps.Select((step, index) => $"{index + 1} {step.Name}"));
}
