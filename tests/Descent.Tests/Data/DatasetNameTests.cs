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
    [InlineData("fashion-mnist", 10)]
    [InlineData("Fashion-MNIST", 10)]
    public void Known_names_parse(string name, int classes)
    {
        Assert.Equal(classes, DatasetName.Parse(name).Classes);
    }

    [Fact]
    public void An_unknown_name_lists_the_known_ones()
    {
        var problem = Assert.Throws<InvalidInputException>(() => DatasetName.Parse("cifar"));

        Assert.Equal("unknown dataset 'cifar'; known: mnist, mnist-3-7, fashion-mnist, cifar-10, cifar-100, cifar-100-coarse", problem.Message);
    }

    [Fact]
    public void Class_names_say_what_each_label_means()
    {
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], DatasetName.Mnist.ClassNames);
        Assert.Equal(["7", "3"], DatasetName.MnistThreesAndSevens.ClassNames);
        Assert.Equal(
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            DatasetName.FashionMnist.ClassNames);
        Assert.All(DatasetName.All, dataset => Assert.Equal(dataset.Classes, dataset.ClassNames.Count));
    }

    [Fact]
    public void The_3_vs_7_labels_match_their_class_names()
    {
        var digits = new ImageDataset(new byte[4], [3, 7, 1, 7], 1, 1, 10);

        var set = ThreesAndSevens.From(digits);

        Assert.Equal(["3", "7", "7"], set.Labels.Select(label => DatasetName.MnistThreesAndSevens.ClassNames[label]));
    }

    [Fact]
    public void Each_dataset_is_made_from_its_familys_files()
    {
        Assert.Same(DatasetFamily.Mnist, DatasetName.Mnist.Family);
        Assert.Same(DatasetFamily.Mnist, DatasetName.MnistThreesAndSevens.Family);
        Assert.Same(DatasetFamily.FashionMnist, DatasetName.FashionMnist.Family);
    }
}
