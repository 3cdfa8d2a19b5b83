using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Engine.Training;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>A training spec survives its JSON unchanged, and a broken one is bad input.</summary>
public sealed class TrainingSpecTests
{
    private static readonly TrainingSpec Spec = new("mnist-3-7", [1, 28, 28],
        new ModelSpec([784, 30, 1], Activation.LeakyRelu, LinearInit.StandardNormal), "mnist",
        new OptimizerSettings(OptimizerKind.AdamW, 0f, 0.01f), new ScheduleSettings(ScheduleKind.Step, 0.05f, 3, 0.7f, 12), 256, 9);

    [Fact]
    public void A_spec_round_trips_through_json()
    {
        var json = JsonNode.Parse(Spec.ToJson().ToJsonString())!;

        var read = TrainingSpec.FromJson(json);

        Assert.Equal(Spec.Dataset, read.Dataset);
        Assert.Equal(Spec.InputShape, read.InputShape);
        Assert.Equal(Spec.Model.Widths, read.Model.Widths);
        Assert.Equal(Spec.Model.Activation, read.Model.Activation);
        Assert.Same(Spec.Model.Init, read.Model.Init);
        Assert.Equal(Spec with { InputShape = read.InputShape, Model = read.Model }, read);
        Assert.Equal(Spec.Model, read.Model);
        Assert.Equal(["linear", "leaky-relu", "linear"], json["model"]!["layers"]!.AsArray().Select(layer => layer!["type"]!.GetValue<string>()));
        Assert.Equal(30, json["model"]!["layers"]![0]!["outputs"]!.GetValue<int>());
        Assert.Equal("standard-normal", json["model"]!["layers"]![0]!["init"]!.GetValue<string>());
        Assert.Equal("adamw", json["optimizer"]!["kind"]!.GetValue<string>());
        Assert.Equal(0.05, json["schedule"]!["learning_rate"]!.GetValue<double>());
        Assert.Equal(784, Spec.InputFeatures);
    }

    [Fact]
    public void Nesterov_is_written_only_when_on_and_round_trips()
    {
        var nesterov = Spec with { Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.9f, 0f, Nesterov: true) };

        var json = JsonNode.Parse(nesterov.ToJson().ToJsonString())!;

        Assert.True(json["optimizer"]!["nesterov"]!.GetValue<bool>());
        Assert.Equal(nesterov.Optimizer, TrainingSpec.FromJson(json).Optimizer);
        // A spec without it (every spec written before it existed) reads as off, and writes as it was.
        Assert.Null(Spec.ToJson()["optimizer"]!["nesterov"]);
        Assert.False(TrainingSpec.FromJson(JsonNode.Parse(Spec.ToJson().ToJsonString())!).Optimizer.Nesterov);
    }

    [Fact]
    public void Label_smoothing_is_written_only_when_nonzero_and_round_trips()
    {
        var smoothed = Spec with { Loss = "cross-entropy", Model = new ModelSpec([784, 30, 2], Activation.Relu, LinearInit.StandardNormal), LabelSmoothing = 0.1f };

        var json = JsonNode.Parse(smoothed.ToJson().ToJsonString())!;

        Assert.Equal(0.1, json["label_smoothing"]!.GetValue<double>());
        Assert.Equal(0.1f, TrainingSpec.FromJson(json).LabelSmoothing);
        Assert.Null(Spec.ToJson()["label_smoothing"]);
        Assert.Equal(0f, TrainingSpec.FromJson(JsonNode.Parse(Spec.ToJson().ToJsonString())!).LabelSmoothing);
    }

    [Theory]
    [InlineData("mnist", 0.1f)]
    [InlineData("cross-entropy", 1.5f)]
    [InlineData("cross-entropy", -0.1f)]
    public void Label_smoothing_outside_cross_entropy_or_outside_0_to_1_is_refused(string loss, float labelSmoothing)
    {
        var spec = Spec with { Loss = loss, Model = new ModelSpec([784, 30, loss == "mnist" ? 1 : 2], Activation.Relu, LinearInit.StandardNormal), LabelSmoothing = labelSmoothing };

        var error = Assert.Throws<InvalidInputException>(() => spec.Validate());

        Assert.Contains("--label-smoothing", error.Message);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0f)]
    [InlineData(OptimizerKind.AdamW, 0.9f)]
    public void Nesterov_without_sgd_momentum_is_refused(OptimizerKind kind, float momentum)
    {
        var spec = Spec with { Optimizer = new OptimizerSettings(kind, momentum, 0f, Nesterov: true) };

        var error = Assert.Throws<InvalidInputException>(() => spec.Validate());

        Assert.Contains("--nesterov", error.Message);
    }

    [Fact]
    public void A_per_channel_normalisation_and_an_empty_augment_list_round_trip_through_json()
    {
        var spec = Spec with { InputShape = [3, 28, 28], Normalization = InputNormalization.Standardize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]) };
        var json = JsonNode.Parse(spec.ToJson().ToJsonString())!;

        var read = TrainingSpec.FromJson(json);

        Assert.Equal(spec.Normalization, read.Normalization);
        Assert.Empty(read.Augment);
        Assert.Equal("standardize", json["normalization"]!["kind"]!.GetValue<string>());
        Assert.Equal([0.4914, 0.4822, 0.4465], json["normalization"]!["mean"]!.AsArray().Select(value => value!.GetValue<double>()));
        Assert.Empty(json["augment"]!.AsArray());
        Assert.Equal("unit", Spec.ToJson()["normalization"]!["kind"]!.GetValue<string>());
        Assert.Equal(InputNormalization.Unit, TrainingSpec.FromJson(JsonNode.Parse(Spec.ToJson().ToJsonString())!).Normalization);
    }

    [Fact]
    public void Normalize_reads_unit_standardize_and_values_per_channel()
    {
        Assert.Equal(InputNormalization.Unit, InputNormalization.Parse("unit"));
        Assert.True(InputNormalization.Parse("standardize").NeedsStatistics);
        var given = InputNormalization.Parse("0.1307,0.3081;0.5,0.25");
        Assert.Equal([0.1307, 0.5], given.Mean);
        Assert.Equal([0.3081, 0.25], given.Std);
        var scaleShift = given.ScaleAndShift();
        Assert.Equal(1 / (255 * 0.3081), scaleShift[0], 6);
        Assert.Equal(-0.5 / 0.25, scaleShift[3], 6);
    }

    [Fact]
    public void An_older_files_scale_and_shift_read_as_the_normalisation_they_stand_for()
    {
        Assert.Equal(InputNormalization.Unit, InputNormalization.FromScaleAndShift(1f / 255f, 0f));
        var standardized = InputNormalization.FromScaleAndShift(1f / (255f * 0.3081f), -0.1307f / 0.3081f);
        Assert.Equal(0.1307, Assert.Single(standardized.Mean), 6);
        Assert.Equal(0.3081, Assert.Single(standardized.Std), 6);
    }

    [Fact]
    public void An_augmentation_round_trips_through_json_and_reads_as_the_gather_asks_for_it()
    {
        var spec = Spec with { Dataset = "pictures", Augment = Augmentation.ParseList("flip, crop4reflect") };
        var json = JsonNode.Parse(spec.ToJson().ToJsonString())!;

        var read = TrainingSpec.FromJson(json);

        Assert.Equal(["crop4reflect", "flip"], json["augment"]!.AsArray().Select(token => token!.GetValue<string>()));
        Assert.Equal(new ImageAugmentation(4, CropPadding.Reflect, HorizontalFlip: true), read.Augmentation);
        Assert.Equal(new ImageAugmentation(2, CropPadding.Zero, HorizontalFlip: false), (Spec with { Augment = ["crop2"] }).Augmentation);
        Assert.Empty(Augmentation.ParseList("none"));
        Assert.Same(read, read.Validate());
    }

    [Theory]
    [InlineData("crop", "is not")]
    [InlineData("crop0", "is not")]
    [InlineData("crop-1", "is not")]
    [InlineData("crop4mirror", "is not")]
    [InlineData("rotate", "is not")]
    [InlineData("flip,flip", "given once")]
    [InlineData("crop2,crop4reflect", "given once")]
    [InlineData("none,flip", "is not")]
    public void A_malformed_augment_list_is_bad_input(string list, string expected)
    {
        var error = Assert.Throws<InvalidInputException>(() => Augmentation.ParseList(list));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Validation_refuses_a_flip_for_digits_a_crop_as_large_as_the_image_and_a_normalisation_for_other_channels()
    {
        var flipped = Assert.Throws<InvalidInputException>(() => (Spec with { Augment = ["flip"] }).Validate());
        Assert.Contains("mnist-3-7's items change meaning when mirrored", flipped.Message);
        Assert.NotNull((Spec with { Augment = ["crop4"] }).Validate());
        var tooLarge = Assert.Throws<InvalidInputException>(() => (Spec with { InputShape = [1, 28, 6], Augment = ["crop6reflect"] }).Validate());
        Assert.Contains("less than the image's 28x6 sides", tooLarge.Message);
        var flat = Assert.Throws<InvalidInputException>(() => (Spec with { InputShape = [784], Augment = ["crop2"] }).Validate());
        Assert.Contains("only images are augmented", flat.Message);
        var channels = Assert.Throws<InvalidInputException>(() =>
            (Spec with { Normalization = InputNormalization.Standardize([0.1, 0.2], [0.3, 0.3]) }).Validate());
        Assert.Contains("1 channel", channels.Message);
        Assert.Same(Spec, Spec.Validate());
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("model")]
    public void A_spec_missing_a_field_is_bad_input(string field)
    {
        var json = Spec.ToJson();
        json.Remove(field);

        Assert.Throws<InvalidInputException>(() => TrainingSpec.FromJson(json));
    }

    [Fact]
    public void A_spec_with_an_unknown_activation_is_bad_input()
    {
        var json = Spec.ToJson();
        json["model"]!["layers"]![1]!["type"] = "swish";

        var error = Assert.Throws<InvalidInputException>(() => TrainingSpec.FromJson(json));
        Assert.Contains("unknown layer type 'swish'", error.Message);
    }

    [Fact]
    public void A_model_spec_builds_its_layers_in_order_fusing_each_activation_into_the_linear_layer_before_it()
    {
        var spec = new ModelSpec(12, [new LinearLayerSpec(8, LinearInit.PyTorchDefault), new ActivationLayerSpec(Activation.Tanh),
            new LinearLayerSpec(4, LinearInit.StandardNormal), new ActivationLayerSpec(Activation.Sigmoid), new LinearLayerSpec(2, LinearInit.PyTorchDefault)]);
        using var backend = new Descent.Kernels.Reference.ReferenceBackend();

        using var model = spec.Build(backend, seed: 1);

        Assert.Equal([12, 8, 4, 2], spec.Widths);
        var linears = model.Layers.Cast<Linear>().ToList();
        Assert.Equal([Activation.Tanh, Activation.Sigmoid, (Activation?)null], linears.Select(linear => linear.Activation));
        Assert.Equal([8, 4, 2], linears.Select(linear => linear.Outputs));
        Assert.Equal(spec, ModelSpec.FromJson(JsonNode.Parse(spec.ToJson().ToJsonString())!));
        Assert.NotEqual(spec, spec.WithActivation(Activation.Relu));
    }
}
