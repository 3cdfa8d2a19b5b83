using Descent.Engine.Onnx.Protobuf;

namespace Descent.Engine.Onnx;

/// <summary>
/// Appends nodes, constants and typed inputs and outputs to an ONNX graph, so that the exporter's code
/// reads as the graph it writes rather than as protobuf plumbing. Every tensor is float32.
/// </summary>
public sealed class OnnxGraphBuilder(string name)
{
    public GraphProto Graph { get; } = new() { Name = name };

    /// <summary>A float input whose dimensions are sizes or, where a name is given, symbolic (a batch size).</summary>
    public void AddInput(string tensorName, params Dimension[] shape) => Graph.Input.Add(FloatValue(tensorName, shape));

    public void AddOutput(string tensorName, params Dimension[] shape) => Graph.Output.Add(FloatValue(tensorName, shape));

    /// <summary>A constant, stored in the file: a layer's weights, or a scalar of the input normalisation.</summary>
    public string AddConstant(string tensorName, IReadOnlyList<int> shape, IEnumerable<float> values)
    {
        var tensor = new TensorProto { Name = tensorName, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(shape.Select(size => (long)size));
        // float_data, not raw_data: protobuf writes it little-endian on any machine.
        tensor.FloatData.AddRange(values);
        Graph.Initializer.Add(tensor);
        return tensorName;
    }

    /// <summary>One operator of the default domain (ai.onnx); returns its output's name for the next node to read.</summary>
    public string AddNode(string opType, string nodeName, IEnumerable<string> inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = nodeName };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public static AttributeProto IntAttribute(string attributeName, long value) =>
        new() { Name = attributeName, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto IntsAttribute(string attributeName, params long[] values)
    {
        var attribute = new AttributeProto { Name = attributeName, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto FloatAttribute(string attributeName, float value) =>
        new() { Name = attributeName, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static ValueInfoProto FloatValue(string tensorName, Dimension[] shape)
    {
        var tensorShape = new TensorShapeProto();
        tensorShape.Dim.AddRange(shape.Select(dimension => dimension.Symbol is { } symbol
            ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
            : new TensorShapeProto.Types.Dimension { DimValue = dimension.Size }));
        return new ValueInfoProto
        {
            Name = tensorName,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape },
            },
        };
    }

    /// <summary>A dimension of a graph input or output: a fixed size, or a symbol the caller chooses at run time.</summary>
    public readonly record struct Dimension(long Size, string? Symbol)
    {
        public static Dimension Fixed(long size) => new(size, null);

        public static Dimension Symbolic(string symbol) => new(0, symbol);
    }
}
