using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Layers;
using Descent.Engine.Models;
using Descent.Engine.Optimizers;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>The optimizer of a run: its kind and its settings (momentum is SGD's alone).</summary>
public sealed record OptimizerSettings(OptimizerKind Kind, float Momentum, float WeightDecay);

/// <summary>The learning rate of a run: base rate, schedule and its settings, over <paramref name="Epochs"/> epochs.</summary>
public sealed record ScheduleSettings(ScheduleKind Kind, float LearningRate, int StepSize, float Gamma, int Epochs);

/// <summary>
/// Everything that decides what a training run computes: the data, the input's shape, the model, the
/// loss, the optimizer and schedule, the batch size and the seed. `descent train`, `descent bench`,
/// the tests and the benchmarks all build their runs from one (<see cref="TrainingRun"/>), and the
/// same spec, as JSON, goes wherever a run is recorded.
/// </summary>
/// <param name="Dataset">The dataset's name as the command line spells it ("mnist", "mnist-3-7").</param>
/// <param name="InputShape">Channels, height and width of one input, e.g. [1, 28, 28].</param>
/// <param name="ValidSplit">The fraction of the training set held out (seeded) to validate on; null when the test set is only reported.</param>
public sealed record TrainingSpec(
    string Dataset,
    IReadOnlyList<int> InputShape,
    ModelSpec Model,
    string Loss,
    OptimizerSettings Optimizer,
    ScheduleSettings Schedule,
    int BatchSize,
    int Seed,
    double? ValidSplit = null)
{
    /// <summary>Features of one input: the product of <see cref="InputShape"/>.</summary>
    public int InputFeatures => InputShape.Aggregate(1, (product, size) => product * size);

    /// <summary>The spec as a JSON object, with enum values spelled as the command line spells them.</summary>
    public JsonObject ToJson() => new()
    {
        ["dataset"] = Dataset,
        ["input_shape"] = new JsonArray(InputShape.Select(size => (JsonNode)size).ToArray()),
        ["model"] = Model.ToJson(),
        ["loss"] = Loss,
        ["optimizer"] = new JsonObject
        {
            ["kind"] = CliNames.Of(Optimizer.Kind),
            ["momentum"] = AsWritten(Optimizer.Momentum),
            ["weight_decay"] = AsWritten(Optimizer.WeightDecay),
        },
        ["schedule"] = new JsonObject
        {
            ["kind"] = CliNames.Of(Schedule.Kind),
            ["learning_rate"] = AsWritten(Schedule.LearningRate),
            ["step_size"] = Schedule.StepSize,
            ["gamma"] = AsWritten(Schedule.Gamma),
            ["epochs"] = Schedule.Epochs,
        },
        ["batch_size"] = BatchSize,
        ["seed"] = Seed,
        ["valid_split"] = ValidSplit,
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote; anything missing or malformed is bad input.</summary>
    public static TrainingSpec FromJson(JsonNode json)
    {
        try
        {
            var optimizer = json["optimizer"]!;
            var schedule = json["schedule"]!;
            return new TrainingSpec(
                json["dataset"]!.GetValue<string>(),
                json["input_shape"]!.AsArray().Select(size => size!.GetValue<int>()).ToArray(),
                ModelSpec.FromJson(json["model"]!),
                json["loss"]!.GetValue<string>(),
                new OptimizerSettings(CliNames.Parse<OptimizerKind>(optimizer["kind"]!.GetValue<string>(), "optimizer"),
                    (float)optimizer["momentum"]!.GetValue<double>(), (float)optimizer["weight_decay"]!.GetValue<double>()),
                new ScheduleSettings(CliNames.Parse<ScheduleKind>(schedule["kind"]!.GetValue<string>(), "schedule"),
                    (float)schedule["learning_rate"]!.GetValue<double>(), schedule["step_size"]!.GetValue<int>(),
                    (float)schedule["gamma"]!.GetValue<double>(), schedule["epochs"]!.GetValue<int>()),
                json["batch_size"]!.GetValue<int>(),
                json["seed"]!.GetValue<int>(),
                json["valid_split"]?.GetValue<double>());
        }
        catch (Exception error) when (error is NullReferenceException or InvalidOperationException or FormatException or JsonException)
        {
            throw new InvalidInputException($"a training spec is missing a field or has one of the wrong type: {error.Message}", error);
        }
    }

    /// <summary>The float as a person wrote it (0.05, not 0.05000000074505806).</summary>
    private static double AsWritten(float value) =>
        double.Parse(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
}
