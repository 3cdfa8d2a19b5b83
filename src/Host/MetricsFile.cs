using System.Text.Json;
using System.Text.Json.Nodes;
using Descent.Engine.Files;
using Descent.Engine.Training;

namespace Descent.Host;

/// <summary>How a run ended, as the metrics file records it; "running" until it ends.</summary>
public enum RunEnding
{
    Running,
    Completed,
    StoppedEarly,
    Interrupted,
    Diverged,
    Failed,
}

/// <summary>
/// The --metrics-out JSON document (schema 3: the run's spec as the engine records it, how the run
/// ended, then one row per epoch whose evaluation loss is "test_loss", or "valid_loss" with a validation
/// split, as the table names it, beside which a run with a test set as well as a validation set reports "test_loss" and
/// "test_accuracy"; schema 2 called both "valid_loss"), rewritten atomically after every epoch and once more when the run
/// ends, so a reader never sees a half-written file, an interrupted run keeps every finished epoch and a
/// script can tell a finished run ("completed", "stopped-early") from a broken one ("interrupted",
/// "diverged", "failed"; "running" if the process was killed).
/// </summary>
public sealed class MetricsFile(string path, MetricsFile.Run run, TrainingSpec spec, IEnumerable<EpochRecord>? earlierEpochs = null)
{
    public const int Schema = 3;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private readonly List<EpochRecord> epochs = [.. earlierEpochs ?? []];
    private RunEnding ending = RunEnding.Running;

    /// <summary>Where the run ran: what the spec does not say.</summary>
    public sealed record Run(string DescentVersion, string Backend, string Device, string Arch);

    public void Append(EpochRecord row)
    {
        epochs.Add(row);
        Write();
    }

    /// <summary>Records how the run ended and writes the document a last time.</summary>
    public void End(RunEnding how)
    {
        ending = how;
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
        document["ended"] = Kernels.CliNames.Of(ending);
        document["spec"] = spec.ToJson();
        var evaluationLoss = EpochRecord.EvaluationLossName(spec.Validates);
        document["epochs"] = new JsonArray(epochs.Select(row => (JsonNode)row.ToJson(evaluationLoss)).ToArray());
        AtomicFile.WriteAllText(path, document.ToJsonString(JsonOptions) + "\n");
    }

}
