using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Descent.Tests.Data;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// `descent train --save` and `--init` end to end: the file is safetensors as PyTorch names an
/// nn.Sequential (checked with a reader written here, not the production one), a model saved and loaded
/// evaluates identically on every backend, and every kind of broken file is one line and exit 2.
/// </summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public ModelFileTests() => DigitFolder.Write(folder, train: 40, test: 10);

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Save_writes_pytorch_named_float32_tensors_with_the_spec_as_metadata()
    {
        var model = folder.File("model.safetensors");

        var outcome = Train("--layers", "784-16-10", "--epochs", "1", "--save", model);

        Assert.Equal(0, outcome.ExitCode);
        var (header, data) = ReadIndependently(model);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], header.Keys.Where(key => key != "__metadata__"));
        Assert.Equal([16, 784], header["0.weight"].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([10, 16], header["2.weight"].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.All(header.Where(entry => entry.Key != "__metadata__"), entry => Assert.Equal("F32", entry.Value.GetProperty("dtype").GetString()));
        Assert.Equal((16 * 784 + 16 + 10 * 16 + 10) * 4, data.Length);
        var metadata = header["__metadata__"];
        using var spec = JsonDocument.Parse(metadata.GetProperty("descent_spec").GetString()!);
        Assert.Equal([16, 10], spec.RootElement.GetProperty("model").GetProperty("layers").EnumerateArray()
            .Where(l => l.GetProperty("type").GetString() == "linear").Select(l => l.GetProperty("outputs").GetInt32()));
        Assert.Equal("unit", spec.RootElement.GetProperty("normalization").GetProperty("kind").GetString());
        Assert.Empty(spec.RootElement.GetProperty("augment").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("descent_version").GetString()));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("reference")]
    [InlineData("ilgpu-cpu")]
    public void A_saved_model_loaded_back_evaluates_exactly_as_it_did(string backend)
    {
        var model = folder.File($"model-{backend}.safetensors");

        var trained = Train("--backend", backend, "--layers", "784-16-10", "--epochs", "2", "--save", model);
        var loaded = Train("--backend", backend, "--layers", "784-16-10", "--epochs", "0", "--seed", "7", "--init", model);
        var fresh = Train("--backend", backend, "--layers", "784-16-10", "--epochs", "0", "--seed", "7");

        Assert.Equal(0, trained.ExitCode);
        Assert.Equal(0, loaded.ExitCode);
        Assert.Equal(CommandLine.LastEvaluation(trained.Output), CommandLine.LastEvaluation(loaded.Output));
        Assert.NotEqual(CommandLine.LastEvaluation(fresh.Output), CommandLine.LastEvaluation(loaded.Output));
    }

    [Fact]
    public void A_model_saved_on_one_backend_loads_on_another_with_the_same_predictions()
    {
        var model = folder.File("model.safetensors");
        Train("--backend", "cpu", "--layers", "784-16-10", "--epochs", "2", "--save", model);

        var onCpu = Train("--backend", "cpu", "--layers", "784-16-10", "--epochs", "0", "--init", model);
        var onReference = Train("--backend", "reference", "--layers", "784-16-10", "--epochs", "0", "--init", model);

        // The loss may differ in its last digits (float against double); the accuracy, from the predicted classes, may not.
        Assert.Equal(CommandLine.LastEvaluation(onCpu.Output).Accuracy, CommandLine.LastEvaluation(onReference.Output).Accuracy);
        Assert.Equal(CommandLine.LastEvaluation(onCpu.Output).Loss, CommandLine.LastEvaluation(onReference.Output).Loss, 4);
    }

    public static TheoryData<string, string> BrokenFiles() => new()
    {
        { "truncated", "header claims" },
        { "header too long", "header claims" },
        { "offsets past the data", "outside its" },
        { "offsets that lie about the size", "needs 64 bytes but its offsets span 60" },
        { "float16", "is F16; Descent reads F32 and I64 only" },
        { "overlapping", "overlaps the tensor before it" },
        { "not json", "header is not valid JSON" },
        { "another architecture", "tensor 0.weight is [16, 784] but the model's is [32, 784]" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void A_broken_model_file_is_one_line_and_exit_2(string kind, string message)
    {
        var good = folder.File("good.safetensors");
        Assert.Equal(0, Train("--layers", "784-16-10", "--epochs", "0", "--save", good).ExitCode);
        var broken = folder.File("broken.safetensors");
        File.WriteAllBytes(broken, Break(File.ReadAllBytes(good), kind));

        var outcome = Train("--layers", kind == "another architecture" ? "784-32-10" : "784-16-10", "--epochs", "0", "--init", broken);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(message, Assert.Single(outcome.ErrorLines));
    }

    [Fact]
    public void A_missing_init_file_or_a_folder_is_refused_before_any_data_is_read()
    {
        var missing = Train("--layers", "784-16-10", "--epochs", "0", "--init", folder.File("missing.safetensors"));
        var aFolder = Train("--layers", "784-16-10", "--epochs", "0", "--init", folder.Path);

        Assert.Equal(2, missing.ExitCode);
        Assert.Equal(2, aFolder.ExitCode);
        Assert.DoesNotContain("training", missing.Output);
        Assert.Equal($"descent: error: {folder.Path} is a folder, not a safetensors file", Assert.Single(aFolder.ErrorLines));
    }

    [Fact]
    public void Save_into_a_missing_folder_is_refused_before_training()
    {
        var outcome = Train("--layers", "784-16-10", "--epochs", "1", "--save", Path.Combine(folder.Path, "missing", "model.safetensors"));

        Assert.Equal(2, outcome.ExitCode);
        Assert.DoesNotContain("epoch", outcome.Output);
    }

    private CommandLine.Outcome Train(params string[] args) =>
        CommandLine.Run(["train", "--data-dir", folder.Path, "--batch-size", "8", .. args]);

    /// <summary>The header and data of a safetensors file, read straight from the format's definition.</summary>
    private static (Dictionary<string, JsonElement> Header, byte[] Data) ReadIndependently(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var length = (int)BitConverter.ToUInt64(bytes, 0);
        var header = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Encoding.UTF8.GetString(bytes, 8, length))!;
        return (header, bytes[(8 + length)..]);
    }

    /// <summary>The good file with one thing wrong in it. The file's first tensor is 0.weight, 16 x 784 floats.</summary>
    private static byte[] Break(byte[] good, string kind)
    {
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(good);
        var header = Encoding.UTF8.GetString(good, 8, length);
        byte[] WithHeader(string text)
        {
            var json = Encoding.UTF8.GetBytes(text.PadRight((text.Length + 7) / 8 * 8));
            var file = new byte[8 + json.Length + good.Length - 8 - length];
            BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
            json.CopyTo(file, 8);
            good.AsSpan(8 + length).CopyTo(file.AsSpan(8 + json.Length));
            return file;
        }
        return kind switch
        {
            "truncated" => good[..(8 + length / 2)],
            "header too long" => WithLength(good, (ulong)good.Length),
            "offsets past the data" => WithHeader(header.Replace("\"data_offsets\":[0,50176]", "\"data_offsets\":[0,99999999]")),
            "offsets that lie about the size" => WithHeader(header
                .Replace("\"shape\":[16]", "\"shape\":[16]").Replace("\"data_offsets\":[50176,50240]", "\"data_offsets\":[50176,50236]")),
            "float16" => WithHeader(header.Replace("\"F32\"", "\"F16\"")),
            "overlapping" => WithHeader(header.Replace("\"data_offsets\":[50176,50240]", "\"data_offsets\":[50172,50236]")),
            "not json" => WithHeader("{\"0.weight\": [" + new string(' ', 20)),
            "another architecture" => good,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private static byte[] WithLength(byte[] good, ulong length)
    {
        var copy = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
        return copy;
    }
}
