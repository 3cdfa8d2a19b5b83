using System.Reflection;

namespace Descent.Kernels.Profiling;

/// <summary>
/// The arithmetic and memory traffic of one op call, estimated from its arguments, for a profile's rates. The
/// contractions (GEMM, the linear layer's forward, the three convolution passes) count 2 FLOPs per multiply-add; every
/// op counts the bytes of the buffers it is handed once each (up to its element count where it takes one), but the
/// dataset's tables, of which a batch gather reads only its own rows.
/// </summary>
public readonly record struct OpWork(double Flops, double Bytes)
{
    private static readonly HashSet<string> DatasetTables = ["pixels", "labels", "order"];

    public static OpWork Of(string op, ParameterInfo[] parameters, object?[] arguments)
    {
        // A batch gather's count is rows, not elements.
        var elementwise = !op.StartsWith(nameof(ComputeBackend.GatherBatch), StringComparison.Ordinal);
        var count = elementwise && Array.FindIndex(parameters, parameter => parameter.Name == "count") is var at and >= 0 ? (int)arguments[at]! : int.MaxValue;
        double bytes = 0;
        for (var i = 0; i < parameters.Length; i++)
        {
            if (!DatasetTables.Contains(parameters[i].Name!) && arguments[i] is { } argument && BufferBytes(argument, count) is { } held)
            {
                bytes += held;
            }
        }
        var flops = op switch
        {
            nameof(ComputeBackend.Gemm) => 2.0 * (int)arguments[2]! * (int)arguments[3]! * (int)arguments[4]!,
            nameof(ComputeBackend.LinearForward) => 2.0 * (int)arguments[4]! * (int)arguments[5]! * (int)arguments[6]!,
            nameof(ComputeBackend.Conv2dForward) or nameof(ComputeBackend.Conv2dBackwardInput) or nameof(ComputeBackend.Conv2dBackwardWeight) =>
                2.0 * arguments.OfType<Conv2dShape>().Single().MultiplyAdds,
            _ => 0,
        };
        return new OpWork(flops, bytes);
    }

    private static double? BufferBytes(object argument, int count) => argument switch
    {
        DeviceBuffer<float> floats => Math.Min(floats.Length, count) * 4.0,
        DeviceBuffer<int> ints => Math.Min(ints.Length, count) * 4.0,
        DeviceBuffer<byte> bytes => Math.Min(bytes.Length, count),
        _ => null,
    };

    public static OpWork operator +(OpWork left, OpWork right) => new(left.Flops + right.Flops, left.Bytes + right.Bytes);
}
