using System.Text.Json;
using System.Text.Json.Serialization;
using Descent.Engine.Files;

namespace Descent.Host;

/// <summary>
/// The --metrics-out JSON document (schema 1), rewritten atomically after every epoch so a reader
/// never sees a half-written file and an interrupted run keeps every finished epoch.
/// </summary>
public sealed class MetricsFile(string path, MetricsFile.Run run)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private readonly List<EpochRow> epochs = [];

    public sealed record Run(
        [property: JsonPropertyOrder(0)] int Schema,
        string DescentVersion,
        string Backend,
        string Device,
        string Dataset,
        string Arch,
        IReadOnlyList<int> Layers,
        string Loss,
        string Optimizer,
        int BatchSize,
        double Lr,
        int Seed);

    public sealed record EpochRow(int Epoch, double TrainLoss, double ValidLoss, double Accuracy, double Seconds);

    public void Append(EpochRow row)
    {
        epochs.Add(row);
        Write();
    }

    /// <summary>Writes the document now (also with no epochs yet, so a bad path fails before training).</summary>
    public void Write()
    {
        var document = JsonSerializer.SerializeToNode(run, JsonOptions)!.AsObject();
        document["epochs"] = JsonSerializer.SerializeToNode(epochs, JsonOptions);
        AtomicFile.WriteAllText(path, document.ToJsonString(JsonOptions) + "\n");
    }
}
