// Descent's libtorch peer: the same nets, data and recipes as Descent, trained by libtorch (TorchSharp, CPU), for
// timings side by side and for checking Descent's numbers against PyTorch's. Run it through run.sh, which prepares
// the runtime libtorch needs on Debian 12. `run.sh --help` prints the usage.
using System.Diagnostics;
using System.Globalization;
using Descent.Peer;
using TorchSharp;
using static TorchSharp.torch;

const string Usage = """
    usage: run.sh time  --data DIR --model MODEL [--batch 64] [--epochs 1] [RECIPE] [--threads T] [--seed 0]
           run.sh check --data DIR --model MODEL --train N --test M --steps K [--init FILE] [--save-init FILE]
                        [--save FILE] [--precision f32|f64] [RECIPE] [--threads T] [--seed 0]
      DIR holds MNIST-format IDX files (train-/t10k-images-idx3-ubyte, -labels-idx1-ubyte), 10 classes.
      MODEL: {0}.
      Convolutional nets read each image standardised by the training split's mean and standard deviation, as
      Descent measures them; MLPs read pixel / 255.
      RECIPE: --optimizer sgd|adadelta (sgd), --lr (0.1 for sgd, 1.0 for adadelta), --momentum (0), --nesterov,
      --weight-decay (0), --decay-scope all|weights (all; weights: not biases nor batch-norm parameters, as
      Descent's); the rate is constant. PyTorch's defaults otherwise (adadelta rho 0.9, eps 1e-6).
      time: trains E epochs at batch B in a seeded order and prints "epoch N train_s SECONDS test_acc ACCURACY"
      (training only, data in memory, the last batch partial).
      check: takes the first N training and first M test images, starts from --init's weights (a safetensors file
      under the state dict's names) or libtorch's own initialisation (written to --save-init), trains K full-batch
      steps and prints "step K train_loss L eval_loss E": the loss of the step's batch in training mode before its
      update, then the evaluation-mode loss on the M test images after it; --save writes the final state dict
      (float32). --precision f64 trains in double precision, a reference for both float32 runs.
    """;

try
{
    return Run(args);
}
catch (PeerInputException error)
{
    Console.Error.WriteLine($"peer: {error.Message}");
    return error.ExitCode;
}

static int Run(string[] args)
{
    if (args.Length == 0 || args[0] is "--help" or "-h" || args[0] is not ("time" or "check"))
    {
        var asked = args.Length > 0 && args[0] is "--help" or "-h";
        (asked ? Console.Out : Console.Error).WriteLine(string.Format(CultureInfo.InvariantCulture, Usage, Models.Grammar));
        return asked ? 0 : 2;
    }
    var options = Options.Parse(args[1..], flags: new HashSet<string> { "nesterov" });
    torch.set_num_threads(options.Int("threads", Environment.ProcessorCount));
    torch.manual_seed(options.Int("seed", 0, minimum: 0));
    var modelName = options.Text("model");
    var folder = options.Text("data");
    var training = IdxImages.Read(folder, "train");
    var test = IdxImages.Read(folder, "t10k");
    const int Classes = 10;
    if (args[0] == "check")
    {
        training = training.Take(options.Int("train"));
        test = test.Take(options.Int("test"));
    }
    var convolutional = Models.IsConvolutional(modelName);
    var (scale, shift) = InputScale(training, convolutional);
    // check --precision f64 trains in double precision: a reference nearer the exact arithmetic than either float32 run.
    var precision = args[0] == "check" ? options.Optional("precision") ?? "f32" : "f32";
    var type = precision switch
    {
        "f32" => ScalarType.Float32,
        "f64" => ScalarType.Float64,
        _ => throw new PeerInputException($"--precision is f32 or f64, got '{precision}'"),
    };
    var trainingInputs = Inputs(training, scale, shift, convolutional).to(type);
    var testInputs = Inputs(test, scale, shift, convolutional).to(type);
    using var trainingLabels = tensor(training.Labels.Select(label => (long)label).ToArray());
    using var testLabels = tensor(test.Labels.Select(label => (long)label).ToArray());
    var model = Models.Create(modelName, 1, training.Rows, training.Columns, Classes);
    model.to(type);
    if (args[0] == "time")
    {
        var optimizer = Recipe(options, model);
        var batch = options.Int("batch", 64);
        var epochs = options.Int("epochs", 1);
        options.RefuseUnused();
        Time(model, optimizer, batch, epochs, trainingInputs, trainingLabels, testInputs, testLabels);
        return 0;
    }
    if (Models.DrawsAtRandom(modelName))
    {
        throw new PeerInputException($"check needs a net without dropout: {modelName}'s masks are drawn at random, and no two programs draw them alike");
    }
    if (options.Optional("init") is { } initPath)
    {
        StateDict.Load(model, initPath);
    }
    if (options.Optional("save-init") is { } initialPath)
    {
        StateDict.Save(model, initialPath);
    }
    var checkOptimizer = Recipe(options, model);
    var steps = options.Int("steps");
    var savePath = options.Optional("save");
    options.RefuseUnused();
    Check(model, checkOptimizer, steps, trainingInputs, trainingLabels, testInputs, testLabels);
    if (savePath is not null)
    {
        StateDict.Save(model, savePath);
    }
    return 0;
}

// Descent's normalisation as one scale and one shift in float32: standardised by the training split for conv nets, else 0..1.
static (float Scale, float Shift) InputScale(IdxImages training, bool convolutional)
{
    if (!convolutional)
    {
        return (1f / 255f, 0f);
    }
    var (mean, std) = training.Statistics();
    return ((float)(1.0 / (255.0 * std)), (float)(-mean / std));
}

static Tensor Inputs(IdxImages images, float scale, float shift, bool convolutional) =>
    convolutional
        ? tensor(images.Inputs(scale, shift)).reshape(images.Count, 1, images.Rows, images.Columns)
        : tensor(images.Inputs(scale, shift)).reshape(images.Count, images.Features);

static Recipe Recipe(Options options, nn.Module<Tensor, Tensor> model)
{
    var kind = options.Optional("optimizer") ?? "sgd";
    var weightDecay = options.Double("weight-decay", 0);
    var scope = options.Optional("decay-scope") ?? "all";
    if (scope is not ("all" or "weights"))
    {
        throw new PeerInputException($"--decay-scope is all or weights, got '{scope}'");
    }
    // Descent's decay scope "weights": tensors of two or more dimensions (kernels, matrices), not biases nor batch-norm parameters.
    var parameters = model.parameters().ToList();
    var groups = scope == "all"
        ? [(parameters, weightDecay)]
        : new[] { (parameters.Where(p => p.dim() >= 2).ToList(), weightDecay), (parameters.Where(p => p.dim() < 2).ToList(), 0.0) };
    var learningRate = options.Double("lr", kind == "adadelta" ? 1.0 : 0.1);
    var momentum = options.Double("momentum", 0);
    var nesterov = options.Flag("nesterov");
    if (kind != "sgd" && (momentum > 0 || nesterov))
    {
        throw new PeerInputException("--momentum and --nesterov are SGD's");
    }
    if (nesterov && momentum <= 0)
    {
        throw new PeerInputException("--nesterov needs a --momentum above 0");
    }
    return new Recipe(groups.Where(group => group.Item1.Count > 0).Select(group => kind switch
    {
        "sgd" => optim.SGD(group.Item1, learningRate, momentum, 0, group.Item2, nesterov),
        "adadelta" => (optim.Optimizer)optim.Adadelta(group.Item1, learningRate, 0.9, 1e-6, group.Item2),
        _ => throw new PeerInputException($"--optimizer is sgd or adadelta, got '{kind}'"),
    }).ToList());
}

static void Time(nn.Module<Tensor, Tensor> model, Recipe optimizer, int batch, int epochs, Tensor inputs, Tensor labels,
    Tensor testInputs, Tensor testLabels)
{
    var count = (int)inputs.shape[0];
    var clock = new Stopwatch();
    for (var epoch = 1; epoch <= epochs; epoch++)
    {
        model.train();
        clock.Restart();
        using (var order = randperm(count))
        {
            for (var start = 0; start < count; start += batch)
            {
                using var scope = NewDisposeScope();
                var items = order.narrow(0, start, Math.Min(batch, count - start));
                optimizer.ZeroGradients();
                var loss = nn.functional.cross_entropy(model.forward(inputs.index_select(0, items)), labels.index_select(0, items));
                loss.backward();
                optimizer.Step();
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var accuracy = Evaluate(model, testInputs, testLabels).Accuracy;
        Console.WriteLine(FormattableString.Invariant($"epoch {epoch} train_s {seconds:F3} test_acc {accuracy:F4}"));
    }
}

static void Check(nn.Module<Tensor, Tensor> model, Recipe optimizer, int steps, Tensor inputs, Tensor labels,
    Tensor testInputs, Tensor testLabels)
{
    for (var step = 1; step <= steps; step++)
    {
        using var scope = NewDisposeScope();
        model.train();
        optimizer.ZeroGradients();
        var loss = nn.functional.cross_entropy(model.forward(inputs), labels);
        var trainingLoss = loss.ToDouble();
        loss.backward();
        optimizer.Step();
        var evaluationLoss = Evaluate(model, testInputs, testLabels).Loss;
        Console.WriteLine(FormattableString.Invariant($"step {step} train_loss {trainingLoss:R} eval_loss {evaluationLoss:R}"));
    }
}

// Evaluation mode, in chunks so that a conv net's activations over the whole test set need not fit at once.
static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor labels)
{
    const int Chunk = 1000;
    model.eval();
    using var _ = no_grad();
    var count = (int)inputs.shape[0];
    double lossSum = 0;
    long correct = 0;
    for (var start = 0; start < count; start += Chunk)
    {
        using var scope = NewDisposeScope();
        var length = Math.Min(Chunk, count - start);
        var logits = model.forward(inputs.narrow(0, start, length));
        var chunkLabels = labels.narrow(0, start, length);
        lossSum += nn.functional.cross_entropy(logits, chunkLabels, reduction: nn.Reduction.Sum).ToDouble();
        correct += logits.argmax(1).eq(chunkLabels).sum().item<long>();
    }
    return (lossSum / count, correct / (double)count);
}
