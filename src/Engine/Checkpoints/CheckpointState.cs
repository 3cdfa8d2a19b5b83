using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Training;
using Descent.Kernels;

namespace Descent.Engine.Checkpoints;

/// <summary>
/// What a checkpoint's state.json holds beside the weights and the optimizer's buffers: where training
/// stands (epochs finished, global step, the rate the next epoch trains at), the spec that decides
/// everything else (the input normalisation included), the best validation loss so far (for best/ and early
/// stopping) and the finished epochs' figures.
/// <para>
/// Schema 2 names the evaluation loss as the table and the metrics file do: each history row's is
/// "test_loss", or "valid_loss" with a validation split, and "best_valid_loss" is written only with a split
/// (the test set never chooses, so a run without one has no best). Schema 1 called every row's "valid_loss"
/// and always wrote "best_valid_loss"; it is still read, so its checkpoints resume.
/// </para>
/// </summary>
public sealed record CheckpointState(
    int Epoch,
    long GlobalStep,
    float NextLearningRate,
    TrainingSpec Spec,
    double? BestValidLoss,
    int BestEpoch,
    int EpochsWithoutImprovement,
    string DescentVersion,
    IReadOnlyList<EpochRecord> History)
{
    public const int Schema = 2;

    /// <summary>The schema before the evaluation loss was named for the set it measures.</summary>
    private const int SchemaWithValidLossOnly = 1;

    private const string BestValidLossKey = "best_valid_loss";

    public JsonObject ToJson()
    {
        var validating = Spec.Validates;
        var json = new JsonObject
        {
            ["schema"] = Schema,
            ["epoch"] = Epoch,
            ["global_step"] = GlobalStep,
            ["next_learning_rate"] = double.Parse(NextLearningRate.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        };
        if (validating)
        {
            json[BestValidLossKey] = BestValidLoss;
        }
        json["best_epoch"] = BestEpoch;
        json["epochs_without_improvement"] = EpochsWithoutImprovement;
        json["descent_version"] = DescentVersion;
        json["spec"] = Spec.ToJson();
        var evaluationLoss = EpochRecord.EvaluationLossName(validating);
        json["history"] = new JsonArray(History.Select(row => (JsonNode)row.ToJson(evaluationLoss)).ToArray());
        return json;
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote; anything missing or malformed is bad input naming <paramref name="source"/>.</summary>
    public static CheckpointState FromJson(string text, string source)
    {
        try
        {
            var json = JsonNode.Parse(text) ?? throw new InvalidInputException($"{source} is empty");
            var schema = json["schema"]?.GetValue<int>();
            if (schema is not (Schema or SchemaWithValidLossOnly))
            {
                throw new InvalidInputException($"{source} is not a checkpoint state of schema {SchemaWithValidLossOnly} or {Schema}");
            }
            var spec = SpecOf(json);
            var evaluationLoss = schema == SchemaWithValidLossOnly ? "valid_loss" : EpochRecord.EvaluationLossName(spec.Validates);
            return new CheckpointState(
                json["epoch"]!.GetValue<int>(),
                json["global_step"]!.GetValue<long>(),
                (float)json["next_learning_rate"]!.GetValue<double>(),
                spec,
                json[BestValidLossKey]?.GetValue<double>(),
                json["best_epoch"]!.GetValue<int>(),
                json["epochs_without_improvement"]!.GetValue<int>(),
                json["descent_version"]!.GetValue<string>(),
                json["history"]!.AsArray().Select(row => new EpochRecord(
                    row!["epoch"]!.GetValue<int>(), Number(row["train_loss"]), Number(row[evaluationLoss]),
                    Number(row["accuracy"]), Number(row["seconds"]),
                    row["test_loss"] is { } testLoss ? Number(testLoss) : null,
                    row["test_accuracy"] is { } testAccuracy ? Number(testAccuracy) : null)).ToList());
        }
        catch (Exception error) when (error is NullReferenceException or InvalidOperationException or FormatException or JsonException)
        {
            throw new InvalidInputException($"{source} is not a readable checkpoint state: {error.Message}", error);
        }
    }

    /// <summary>The spec; an older state's spec has no normalisation, which its input_scale and input_shift give instead.</summary>
    private static TrainingSpec SpecOf(JsonNode json)
    {
        var spec = TrainingSpec.FromJson(json["spec"]!);
        if (json["spec"]!["normalization"] is null && json["input_scale"] is { } scale && json["input_shift"] is { } shift)
        {
            spec = spec with
            {
                Normalization = InputNormalization.FromScaleAndShift(ParseFloat(scale.GetValue<string>()), ParseFloat(shift.GetValue<string>())),
            };
        }
        return spec;
    }

    private static float ParseFloat(string text) => float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static JsonNode? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>NaN is written as null (JSON has no NaN): an epoch 0 row has no training loss.</summary>
    private static double Number(JsonNode? node) => node is null ? double.NaN : node.GetValue<double>();
}
