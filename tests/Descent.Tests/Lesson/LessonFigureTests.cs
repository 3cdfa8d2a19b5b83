using Descent.Engine.Lesson;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Lesson;

/// <summary>How the lesson judges a figure against the book's, and how it finds a step.</summary>
public sealed class LessonFigureTests
{
    [Theory]
    [InlineData(0.9696, 0.9696, Judgement.Reproduced)]
    [InlineData(0.9790, 0.9696, Judgement.Reproduced)]
    [InlineData(0.9600, 0.9696, Judgement.Reproduced)]
    [InlineData(0.9810, 0.9696, Judgement.NotReproduced)]
    [InlineData(0.9500, 0.9696, Judgement.NotReproduced)]
    public void A_final_figure_within_a_hundredth_of_the_books_reproduces_it(double value, double book, Judgement expected)
    {
        var figure = LessonFigure.Final("accuracy", value, book, booksData: true);

        Assert.Equal(expected, figure.Judgement);
        Assert.Equal(value - book, figure.Difference!.Value, 12);
    }

    [Fact]
    public void On_other_data_a_figure_is_compared_but_not_judged()
    {
        Assert.Equal(Judgement.NotTheBooksData, LessonFigure.Final("accuracy", 0.9696, 0.9696, booksData: false).Judgement);
        Assert.Equal(Judgement.NotTheBooksData, LessonFigure.Range("accuracy", 0.98, 0.97, 0.985, booksData: false).Judgement);
    }

    [Fact]
    public void A_figure_of_the_random_start_is_shown_with_its_difference_and_never_judged()
    {
        var figure = LessonFigure.RandomStart("at initialisation", 0.2890, Book.FromScratchAtInit);

        Assert.Equal(Judgement.DependsOnRandomStart, figure.Judgement);
        Assert.Equal(0.2890 - 0.4912, figure.Difference!.Value, 12);
    }

    [Theory]
    [InlineData(0.9717, Judgement.InRange)]
    [InlineData(0.9650, Judgement.OutOfRange)]
    [InlineData(0.9900, Judgement.OutOfRange)]
    public void A_figure_the_book_gives_as_a_range_is_in_it_or_not(double value, Judgement expected)
    {
        var figure = LessonFigure.Range("accuracy", value, Book.MlpLow, Book.MlpHigh, booksData: true);

        Assert.Equal(expected, figure.Judgement);
        Assert.Null(figure.Difference);
    }

    [Fact]
    public void Steps_are_numbered_from_one_in_the_lessons_order_and_any_other_number_is_bad_input()
    {
        Assert.Equal(7, LessonPlan.Steps.Count);
        Assert.IsType<PixelSimilarityStep>(LessonPlan.Step(1));
        Assert.IsType<FullMnistStep>(LessonPlan.Step(7));
        var error = Assert.Throws<InvalidInputException>(() => LessonPlan.Step(0));
        Assert.StartsWith("--step takes 1 to 7 (1 pixel-similarity, 2 seven-steps, 3 from-scratch,", error.Message);
        var names = LessonPlan.Steps.Concat(LessonPlan.Experiments).Select(part => part.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Deeper_models_get_the_hidden_width_that_matches_the_wide_models_parameters(int depth)
    {
        var budget = DepthExperiment.ParameterCount([784, 128, 10]);

        var width = DepthExperiment.WidthFor(depth, 784, 10, budget);

        var deep = DepthExperiment.ParameterCount([784, .. Enumerable.Repeat(width, depth), 10]);
        Assert.InRange(Math.Abs(deep - budget), 0, budget / 100);
    }
}
