using Descent.Engine.Data;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Data;

public sealed class DatasetNameTests
{
    [Theory]
    [InlineData("mnist", 10)]
    [InlineData("mnist-3-7", 2)]
    [InlineData("MNIST-3-7", 2)]
    public void Known_names_parse(string name, int classes)
    {
        Assert.Equal(classes, DatasetName.Parse(name).Classes);
    }

    [Fact]
    public void An_unknown_name_lists_the_known_ones()
    {
        var problem = Assert.Throws<InvalidInputException>(() => DatasetName.Parse("cifar"));

        Assert.Equal("unknown dataset 'cifar'; known: mnist, mnist-3-7", problem.Message);
    }
}
