namespace Descent.Engine.Lesson;

/// <summary>
/// A step of the chapter or one of the seed's experiments: a fixed recipe that runs through the engine's
/// one way of training (<see cref="Training.TrainingRun"/>) and reports what it finds as
/// <see cref="LessonItem"/>s, lazily, so that they can be printed as they come.
/// </summary>
public abstract class LessonPart
{
    /// <summary>A short name: an experiment's subcommand, the start of a step's picture names.</summary>
    public abstract string Name { get; }

    /// <summary>What the part shows, in a line.</summary>
    public abstract string Title { get; }

    /// <summary>Whether the part trains on MNIST's ten digits, which MNIST_SAMPLE's folders (3s and 7s only) do not hold.</summary>
    public virtual bool NeedsTenDigits => false;

    public abstract IEnumerable<LessonItem> Run(LessonContext context);
}
