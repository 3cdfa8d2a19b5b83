using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Files;
using Descent.Engine.Training;

namespace Descent.Host;

/// <summary>
/// The --metrics-out JSON document (schema 2: the run's spec as the engine records it, then one row per
/// epoch), rewritten atomically after every epoch so a reader never sees a half-written file and an
/// interrupted run keeps every finished epoch.
/// </summary>
public sealed class MetricsFile(string path, MetricsFile.Run run, TrainingSpec spec)
{
    public const int Schema = 2;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private readonly List<EpochRow> epochs = [];

    /// <summary>Where the run ran: what the spec does not say.</summary>
    public sealed record Run(string DescentVersion, string Backend, string Device, string Arch);

    public sealed record EpochRow(int Epoch, double TrainLoss, double ValidLoss, double Accuracy, double Seconds);

    public void Append(EpochRow row)
    {
        epochs.Add(row);
        Write();
    }

    /// <summary>Writes the document now (also with no epochs yet, so a bad path fails before training).</summary>
    public void Write()
    {
        var document = new JsonObject { ["schema"] = Schema };
        foreach (var (name, value) in JsonSerializer.SerializeToNode(run, JsonOptions)!.AsObject().ToList())
        {
            document[name] = value?.DeepClone();
        }
        document["spec"] = spec.ToJson();
        document["epochs"] = JsonSerializer.SerializeToNode(epochs, JsonOptions);
        AtomicFile.WriteAllText(path, document.ToJsonString(JsonOptions) + "\n");
    }
}
