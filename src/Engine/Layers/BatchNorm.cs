using System.Text.Json.Nodes;
using Descent.Engine.Models;
using Descent.Engine.Onnx;
using Descent.Engine.Tensors;
using Descent.Kernels;
using static Descent.Engine.Onnx.OnnxGraphBuilder;

namespace Descent.Engine.Layers;

/// <summary>
/// PyTorch's nn.BatchNorm2d(C) on images and nn.BatchNorm1d(C) on rows of C features, with its defaults: eps 1e-5,
/// momentum 0.1, affine weight (ones) and bias (zeros), and the running statistics and num_batches_tracked as
/// state that is saved but not trained.
/// </summary>
public sealed record BatchNormLayerSpec : LayerSpec
{
    public const string TypeName = "batchnorm";
    public const float Eps = 1e-5f;
    public const float Momentum = 0.1f;

    public static readonly LayerKind Kind = new([TypeName],
        "bn, batch normalisation per channel of an image (BatchNorm2d) or per feature of a row (BatchNorm1d)",
        (token, _) => token == "bn" ? new BatchNormLayerSpec() : null,
        _ => new BatchNormLayerSpec());

    public override string Type => TypeName;

    public override string Token => "bn";

    // Its backward reads its input and the saved statistics, never its output, and returns its input gradient in a buffer
    // of its own.
    public override bool OutputFreeAfterForward => true;

    public override bool InputGradientOwned => true;

    public override FeatureShape OutputShape(FeatureShape input) => input;

    /// <summary>
    /// Why a training batch of <paramref name="rows"/> items of <paramref name="input"/> cannot be normalised, or null: PyTorch
    /// refuses a single value per channel, which has no variance to normalise by.
    /// </summary>
    public static string? TrainingBatchProblem(FeatureShape input, int rows) => (long)rows * input.Height * input.Width < 2
        ? $"batch normalisation cannot train on {rows} item(s) of {input.Height * input.Width} value(s) per channel: expected more " +
          "than 1 value per channel, as PyTorch requires; use a batch of at least 2"
        : null;

    public override IReadOnlyList<TensorDeclaration> Tensors(FeatureShape input)
    {
        var channels = input.Channels;
        return
        [
            TensorDeclaration.Parameter("weight", [channels], _ => Enumerable.Repeat(1f, channels).ToArray()),
            TensorDeclaration.Parameter("bias", [channels], _ => new float[channels]),
            TensorDeclaration.FloatState(RunningMean, [channels], 0f),
            TensorDeclaration.FloatState(RunningVar, [channels], 1f),
            TensorDeclaration.Int64State(BatchesTracked, []),
        ];
    }

    public override ILayer Build(LayerBuild build)
    {
        StateTensor Named(string name) => build.State.Single(state => state.Name == $"{build.Node.Module}.{name}");
        return new BatchNorm(build.Backend, build.Input, build.Parameter("weight"), build.Parameter("bias"), Named(RunningMean),
            Named(RunningVar), Named(BatchesTracked), build.Mode);
    }

    // Inference: the running statistics normalise, as PyTorch's eval() exports it.
    public override string EmitOnnx(OnnxEmit emit) => emit.Graph.AddNode("BatchNormalization", emit.NodeName,
        [emit.Input, emit.Tensor("weight"), emit.Tensor("bias"), emit.Tensor(RunningMean), emit.Tensor(RunningVar)], emit.OutputName,
        FloatAttribute("epsilon", Eps), FloatAttribute("momentum", 1 - Momentum));

    protected override IEnumerable<(string, JsonNode?)> Settings() => [];

    private const string RunningMean = "running_mean";
    private const string RunningVar = "running_var";
    private const string BatchesTracked = "num_batches_tracked";
}

/// <summary>
/// Y = (X - mean) / sqrt(var + eps) * weight + bias per channel, X and Y (B, C, H*W): in training mean and var are the
/// batch's (biased) statistics, which then move the running ones, and num_batches_tracked counts the batch; in
/// evaluation the running statistics normalise. The backward goes through the batch statistics.
/// </summary>
public sealed class BatchNorm : ILayer
{
    private readonly ComputeBackend backend;
    private readonly FeatureShape input;
    private readonly BatchNormShape item;
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly StateTensor runningMean;
    private readonly StateTensor runningVar;
    private readonly StateTensor batchesTracked;
    private readonly ModelMode mode;
    private Tensor? output;
    private Tensor? inputGradient;
    private DeviceBuffer<float>? saveMean;
    private DeviceBuffer<float>? saveInvStd;
    private Tensor? savedInput;
    private bool forwardTrained;

    public BatchNorm(ComputeBackend backend, FeatureShape input, Parameter weight, Parameter bias, StateTensor runningMean,
        StateTensor runningVar, StateTensor batchesTracked, ModelMode mode)
    {
        this.backend = backend;
        this.input = input;
        item = new BatchNormShape(1, input.Channels, input.Height * input.Width);
        this.weight = weight;
        this.bias = bias;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
        this.batchesTracked = batchesTracked;
        this.mode = mode;
    }

    private int Width => (int)item.Length;

    public void Prepare(int maxRows)
    {
        Dispose();
        output = new Tensor(backend, maxRows, Width);
        inputGradient = new Tensor(backend, maxRows, Width);
        saveMean = backend.Allocate<float>(item.Channels);
        saveInvStd = backend.Allocate<float>(item.Channels);
    }

    public Tensor Forward(ReadOnlySpan<Tensor> inputs, int rows)
    {
        var y = output ?? throw NotPrepared();
        var shape = item with { Batch = rows };
        savedInput = inputs[0];
        forwardTrained = mode.Training;
        if (!forwardTrained)
        {
            backend.BatchNormForwardEvaluation(savedInput.Buffer, weight.Value, bias.Value, runningMean.Values!, runningVar.Values!,
                y.Buffer, shape, BatchNormLayerSpec.Eps);
            return y;
        }
        if (BatchNormLayerSpec.TrainingBatchProblem(input, rows) is { } problem)
        {
            throw new InvalidInputException(problem);
        }
        backend.BatchNormForwardTraining(savedInput.Buffer, weight.Value, bias.Value, runningMean.Values!, runningVar.Values!, y.Buffer,
            saveMean!, saveInvStd!, shape, BatchNormLayerSpec.Momentum, BatchNormLayerSpec.Eps);
        batchesTracked.Counters![0]++;
        return y;
    }

    public Tensor? Backward(Tensor outputGradient, int rows, bool needInputGradient)
    {
        var x = savedInput ?? throw new InvalidOperationException("BatchNorm.Backward called before Forward");
        if (!forwardTrained)
        {
            throw new InvalidOperationException("BatchNorm.Backward after an evaluation forward: gradients go through batch statistics");
        }
        var dx = inputGradient ?? throw NotPrepared();
        // dX, dWeight and dBias through the batch statistics; dX is written even when unused, since one op makes all three.
        backend.BatchNormBackward(outputGradient.Buffer, x.Buffer, weight.Value, saveMean!, saveInvStd!, dx.Buffer, weight.Gradient,
            bias.Gradient, item with { Batch = rows });
        return needInputGradient ? dx : null;
    }

    public void Dispose()
    {
        output?.Dispose();
        inputGradient?.Dispose();
        saveMean?.Dispose();
        saveInvStd?.Dispose();
    }

    private static InvalidOperationException NotPrepared() => new("BatchNorm used before Prepare");
}
