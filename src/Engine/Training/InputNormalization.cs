using System.Globalization;
using System.Text.Json.Nodes;
using Descent.Engine.Data;
using Descent.Kernels;

namespace Descent.Engine.Training;

/// <summary>How a run's pixels become inputs: <c>unit</c> (x = byte / 255, the lesson's 0..1) or <c>standardize</c>.</summary>
public enum NormalizationKind
{
    Unit,
    Standardize,
}

/// <summary>
/// The input normalisation of a run, per channel: <see cref="NormalizationKind.Unit"/> scales every pixel
/// to 0..1; <see cref="NormalizationKind.Standardize"/> maps channel c's pixels to (byte / 255 - Mean[c]) / Std[c].
/// A standardisation without values stands for "the training split's own statistics", filled in by
/// <see cref="Measure"/> once the data is read; a run trains only with values. On the device the
/// normalisation is one scale and one shift per channel (<see cref="ScaleAndShift"/>).
/// </summary>
public sealed record InputNormalization(NormalizationKind Kind, IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>Pixels scaled to 0..1, the lesson's way.</summary>
    public static InputNormalization Unit { get; } = new(NormalizationKind.Unit, [], []);

    /// <summary>Standardisation by the training split's own per-channel mean and standard deviation, measured once the data is read.</summary>
    public static InputNormalization StandardizeByData { get; } = new(NormalizationKind.Standardize, [], []);

    /// <summary>Standardisation by the given per-channel mean and standard deviation, on the 0..1 scale.</summary>
    public static InputNormalization Standardize(IReadOnlyList<double> mean, IReadOnlyList<double> std) =>
        new(NormalizationKind.Standardize, mean.ToArray(), std.ToArray());

    /// <summary>Whether the values are still to be measured from the training split.</summary>
    public bool NeedsStatistics => Kind == NormalizationKind.Standardize && Mean.Count == 0;

    /// <summary>Channels with their own values: those of a standardisation; unit treats every channel alike, as one.</summary>
    public int Channels => Kind == NormalizationKind.Unit ? 1 : Mean.Count;

    /// <summary>The <c>--normalize</c> grammar: <c>unit</c>, <c>standardize</c>, or MEAN,STD per channel joined by ';' ("0.1307,0.3081").</summary>
    public const string Grammar = "unit (pixels / 255), standardize (the training split's per-channel mean and std), " +
        "or MEAN,STD per channel on the 0..1 scale, channels joined by ';' (0.1307,0.3081)";

    /// <summary>Reads <see cref="Grammar"/>; anything else is bad input.</summary>
    public static InputNormalization Parse(string text)
    {
        var trimmed = text.Trim();
        if (string.Equals(trimmed, CliNames.Of(NormalizationKind.Unit), StringComparison.OrdinalIgnoreCase))
        {
            return Unit;
        }
        if (string.Equals(trimmed, CliNames.Of(NormalizationKind.Standardize), StringComparison.OrdinalIgnoreCase))
        {
            return StandardizeByData;
        }
        var mean = new List<double>();
        var std = new List<double>();
        foreach (var channel in trimmed.Split(';'))
        {
            var parts = channel.Split(',');
            if (parts.Length != 2
                || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var channelMean)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var channelStd))
            {
                throw new InvalidInputException($"--normalize '{text}' is not {Grammar}");
            }
            mean.Add(channelMean);
            std.Add(channelStd);
        }
        var normalization = Standardize(mean, std);
        normalization.Validate();
        return normalization;
    }

    /// <summary>
    /// What older model files and checkpoints recorded, a pixel's scale and shift (x = byte * scale + shift), as a
    /// normalisation: 1/255 and 0 are unit; anything else the standardisation it stands for (std = 1 / (255 scale), mean = -shift std).
    /// </summary>
    public static InputNormalization FromScaleAndShift(float scale, float shift)
    {
        if (scale == 1f / 255f && shift == 0f)
        {
            return Unit;
        }
        if (!(scale > 0f) || !float.IsFinite(scale) || !float.IsFinite(shift))
        {
            throw new InvalidInputException($"an input scale of {scale} and shift of {shift} is no normalisation");
        }
        var std = 1.0 / (255.0 * scale);
        return Standardize([-shift * std], [std]);
    }

    /// <summary>
    /// Checks the values: a standardisation has as many means as standard deviations, finite means and positive
    /// finite deviations; with <paramref name="inputChannels"/>, one pair per channel of the input.
    /// </summary>
    public void Validate(int? inputChannels = null)
    {
        if (Kind == NormalizationKind.Unit && (Mean.Count > 0 || Std.Count > 0))
        {
            throw new InvalidInputException("a unit normalisation takes no mean or standard deviation");
        }
        if (Mean.Count != Std.Count)
        {
            throw new InvalidInputException($"a standardisation needs one standard deviation per mean, got {Mean.Count} means and {Std.Count}");
        }
        if (Mean.Any(mean => !double.IsFinite(mean)))
        {
            throw new InvalidInputException($"a standardisation's means must be finite numbers, got {Text(Mean)}");
        }
        if (Std.Any(std => !(std > 0) || !double.IsFinite(std)))
        {
            throw new InvalidInputException($"a standardisation's standard deviations must be positive numbers, got {Text(Std)}");
        }
        if (inputChannels is { } channels && Kind == NormalizationKind.Standardize && !NeedsStatistics && Mean.Count != channels)
        {
            throw new InvalidInputException($"the input has {channels} channel(s) but the standardisation gives {Mean.Count} mean(s) and std(s)");
        }
    }

    /// <summary>
    /// The per-channel mean and population standard deviation of <paramref name="data"/>'s pixels on the 0..1 scale,
    /// each item <paramref name="channels"/> planes. The sums are over bytes in integers, so the figures do not
    /// depend on the items' order: MNIST's training set gives 0.1307 and 0.3081.
    /// </summary>
    public static InputNormalization Measure(ImageDataset data, int channels)
    {
        if (channels <= 0 || data.Features % channels != 0)
        {
            throw new InvalidInputException($"{data.Features} features are not {channels} channels of equal planes");
        }
        var planeSize = data.Features / channels;
        var sums = new long[channels];
        var squares = new long[channels];
        var pixels = data.Pixels;
        for (long start = 0; start < pixels.Length; start += data.Features)
        {
            for (var channel = 0; channel < channels; channel++)
            {
                long sum = 0;
                long square = 0;
                foreach (var pixel in pixels.AsSpan((int)(start + (long)channel * planeSize), planeSize))
                {
                    sum += pixel;
                    square += pixel * pixel;
                }
                sums[channel] += sum;
                squares[channel] += square;
            }
        }
        var count = (double)data.Count * planeSize;
        var mean = new double[channels];
        var std = new double[channels];
        for (var channel = 0; channel < channels; channel++)
        {
            var byteMean = sums[channel] / count;
            var variance = Math.Max(0, squares[channel] / count - byteMean * byteMean);
            mean[channel] = byteMean / 255.0;
            // A constant channel has no spread to divide by; 1 leaves it merely centred.
            std[channel] = variance > 0 ? Math.Sqrt(variance) / 255.0 : 1.0;
        }
        return Standardize(mean, std);
    }

    /// <summary>What the device applies, x = byte * scale[c] + shift[c]: the <see cref="Channels"/> scales, then the shifts.</summary>
    public float[] ScaleAndShift()
    {
        if (NeedsStatistics)
        {
            throw new InvalidInputException("the standardisation's statistics have not been measured from the training split yet");
        }
        if (Kind == NormalizationKind.Unit)
        {
            return [1f / 255f, 0f];
        }
        var values = new float[2 * Channels];
        for (var channel = 0; channel < Channels; channel++)
        {
            values[channel] = (float)(1.0 / (255.0 * Std[channel]));
            values[Channels + channel] = (float)(-Mean[channel] / Std[channel]);
        }
        return values;
    }

    /// <summary>{"kind": "unit"} or {"kind": "standardize", "mean": [...], "std": [...]}.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["kind"] = CliNames.Of(Kind) };
        if (Kind == NormalizationKind.Standardize)
        {
            json["mean"] = new JsonArray(Mean.Select(value => (JsonNode)value).ToArray());
            json["std"] = new JsonArray(Std.Select(value => (JsonNode)value).ToArray());
        }
        return json;
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote; a missing or malformed field throws for the spec's reader to report.</summary>
    public static InputNormalization FromJson(JsonNode json)
    {
        var kind = CliNames.Parse<NormalizationKind>(json["kind"]!.GetValue<string>(), "normalization");
        if (kind == NormalizationKind.Unit)
        {
            return Unit;
        }
        var normalization = Standardize(
            json["mean"]?.AsArray().Select(value => value!.GetValue<double>()).ToArray() ?? [],
            json["std"]?.AsArray().Select(value => value!.GetValue<double>()).ToArray() ?? []);
        normalization.Validate();
        return normalization;
    }

    /// <summary>Short text for run descriptions: "unit (0..1)" or "standardize mean 0.1307 std 0.3081".</summary>
    public override string ToString() => Kind == NormalizationKind.Unit
        ? "unit (0..1)"
        : NeedsStatistics ? "standardize (the training split's statistics)" : $"standardize mean {Text(Mean)} std {Text(Std)}";

    public bool Equals(InputNormalization? other) =>
        other is not null && Kind == other.Kind && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(Kind, Mean.Count, Mean.FirstOrDefault(), Std.FirstOrDefault());

    private static string Text(IReadOnlyList<double> values) =>
        string.Join(",", values.Select(value => value.ToString("0.####", CultureInfo.InvariantCulture)));
}
