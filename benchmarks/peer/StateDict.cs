using TorchSharp;
using static TorchSharp.torch;

namespace Descent.Peer;

/// <summary>A model's state dict (parameters and buffers such as batch normalisation's running statistics) to and from safetensors.</summary>
public static class StateDict
{
    public static void Save(nn.Module<Tensor, Tensor> model, string path)
    {
        var tensors = new List<(string, StoredTensor)>();
        foreach (var (name, value) in model.state_dict())
        {
            var contiguous = value.detach().cpu().contiguous();
            tensors.Add((name, value.dtype switch
            {
                ScalarType.Float32 or ScalarType.Float64 => new StoredTensor(contiguous.shape, contiguous.to(ScalarType.Float32).data<float>().ToArray(), null),
                ScalarType.Int64 => new StoredTensor(contiguous.shape, null, contiguous.data<long>().ToArray()),
                _ => throw new InvalidOperationException($"{name} is {value.dtype}; the peer writes floating point and int64 only"),
            }));
        }
        SafeTensorsFile.Write(path, tensors);
    }

    /// <summary>Every tensor of the state dict from the file, with its shape and dtype, and nothing else in the file.</summary>
    public static void Load(nn.Module<Tensor, Tensor> model, string path)
    {
        if (!File.Exists(path))
        {
            throw new PeerInputException($"{path} is missing", exitCode: 3);
        }
        var stored = SafeTensorsFile.Read(path);
        var state = model.state_dict();
        var extra = stored.Keys.Except(state.Keys).ToList();
        if (extra.Count > 0)
        {
            throw new PeerInputException($"{path} holds {extra[0]}, which the model does not have");
        }
        using var _ = no_grad();
        foreach (var (name, target) in state)
        {
            if (!stored.TryGetValue(name, out var source))
            {
                throw new PeerInputException($"{path} lacks {name}");
            }
            if (!source.Shape.SequenceEqual(target.shape) || (source.Floats is null) != (target.dtype == ScalarType.Int64))
            {
                throw new PeerInputException($"{path}: {name} is {source.DType} [{string.Join(", ", source.Shape)}], the model's is {target.dtype} [{string.Join(", ", target.shape)}]");
            }
            using var value = source.Floats is { } floats ? tensor(floats).reshape(source.Shape) : tensor(source.Integers!).reshape(source.Shape);
            target.copy_(value);
        }
    }
}
