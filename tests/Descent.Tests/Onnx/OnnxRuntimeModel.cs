using Descent.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Descent.Tests.Onnx;

/// <summary>An exported graph loaded into ONNX Runtime, run as a user of the file would run it: raw pixels in, probabilities out.</summary>
public sealed class OnnxRuntimeModel(string path) : IDisposable
{
    public InferenceSession Session { get; } = new(path);

    /// <summary>The probabilities for <paramref name="rows"/> images of raw pixel bytes, and the shape ONNX Runtime gave them.</summary>
    public (float[] Probabilities, long[] Shape) Run(ReadOnlySpan<byte> pixels, int rows, IReadOnlyList<int> imageShape)
    {
        var input = new float[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            input[i] = pixels[i];
        }
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [rows, .. imageShape.Select(size => (long)size)]);
        using var options = new RunOptions();
        using var outputs = Session.Run(options, new Dictionary<string, OrtValue> { [OnnxExport.InputName] = inputValue }, [OnnxExport.OutputName]);
        var output = outputs[0];
        return (output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape);
    }

    public void Dispose() => Session.Dispose();
}
