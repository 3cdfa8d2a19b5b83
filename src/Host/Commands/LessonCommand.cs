using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Descent.Engine.Data;
using Descent.Engine.Files;
using Descent.Engine.Lesson;
using Descent.Host.Plots;
using Descent.Kernels;
using Spectre.Console;

namespace Descent.Host.Commands;

/// <summary>
/// `descent lesson`: the book's chapter 4 step by step (or one step with --step N), and one subcommand per
/// experiment of the seed. The steps, their numbers, the subcommands and the help all come from the
/// engine's <see cref="LessonPlan"/> lists; this command only loads the data, opens the backend, and prints.
/// </summary>
public static class LessonCommand
{
    /// <summary>Where the pictures go without --out-dir: a folder of this name in the working directory.</summary>
    public const string DefaultPictureFolder = "descent-lesson";

    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var options = new LessonOptions();
        var step = new Option<int?>("--step") { Description = $"Run only step N: {LessonPlan.StepList}" };
        var command = new Command("lesson",
            $"Run the book's chapter 4 (and chapter 5's MLP) step by step, each figure beside the book's, with pictures. Steps: {LessonPlan.StepList}; " +
            $"experiments: {string.Join(", ", LessonPlan.Experiments.Select(experiment => experiment.Name))}");
        command.Options.Add(step);
        options.AddTo(command);
        command.SetAction((parsed, cancellation) =>
        {
            var chosen = parsed.GetValue(step) is { } number
                ? [(number, LessonPlan.Step(number))]
                : LessonPlan.Steps.Select((part, index) => (index + 1, part)).ToList();
            return RunAsync(chosen.Select(entry => ($"Step {entry.Item1} of {LessonPlan.Steps.Count}", entry.Item2)).ToList(),
                options.Read(parsed), console, error, cancellation);
        });
        foreach (var experiment in LessonPlan.Experiments)
        {
            var experimentOptions = new LessonOptions();
            var subcommand = new Command(experiment.Name, experiment.Title);
            experimentOptions.AddTo(subcommand);
            subcommand.SetAction((parsed, cancellation) =>
                RunAsync([($"Experiment {experiment.Name}", experiment)], experimentOptions.Read(parsed), console, error, cancellation));
            command.Subcommands.Add(subcommand);
        }
        return command;
    }

    private static async Task<int> RunAsync(IReadOnlyList<(string Heading, LessonPart Part)> parts, LessonSettings settings, IAnsiConsole console,
        TextWriter error, CancellationToken cancellation)
    {
        // MNIST_SAMPLE's folders, as the book downloads them, or MNIST's IDX files (the cache, or --data-dir).
        var tree = PictureTrees.ScanIfTree(settings.DataDir, message => error.WriteLine($"descent: {message}"));
        if (tree is not null)
        {
            MnistSample.Check(tree);
            var needingDigits = parts.Where(entry => entry.Part.NeedsTenDigits).ToList();
            if (needingDigits.Count == parts.Count)
            {
                throw new InvalidInputException(
                    $"{needingDigits[0].Part.Name} trains on MNIST's ten digits; {tree.Root} is MNIST_SAMPLE's 3s and 7s: leave out --data-dir to use MNIST");
            }
            if (needingDigits.Count > 0)
            {
                error.WriteLine($"descent: {tree.Root} holds 3s and 7s only: {string.Join(", ", needingDigits.Select(entry => entry.Part.Name))} " +
                    "(MNIST's ten digits) left out");
                parts = parts.Where(entry => !entry.Part.NeedsTenDigits).ToList();
            }
        }
        // Bad usage (a file, a device) is refused in Descent's words before any data is read.
        OutputPath.CreateFolder(settings.PictureFolder, "--out-dir");
        var pictures = Path.GetFullPath(settings.PictureFolder);
        var progress = new Progress<string>(message => error.WriteLine($"descent: {message}"));
        var data = tree is not null
            ? LessonData.OfThreesAndSevens(MnistSample.Load(tree, DataLocation.DefaultCacheRoot(), progress, cancellation), "valid/'s")
            : new LessonData(await DatasetLoader.LoadAsync(DatasetName.Mnist,
                DataLocation.FromOptions(DatasetName.Mnist, settings.DataDir, progress), cancellation));
        using var backend = Backends.Create(settings.Backend, settings.Device, message => error.WriteLine($"descent: {message}"));
        var context = new LessonContext(backend, data, settings.Seed, cancellation);
        var printer = new LessonPrinter(console, settings.PictureFolder, settings.Size);

        console.WriteLine("descent lesson: the book's chapter 4 (04_mnist_basics) and chapter 5's MLP, each figure beside the book's");
        console.WriteLine($"backend {backend.Name}: {backend.DeviceDescription}");
        console.WriteLine(data.HasDigits
            ? $"data: {data.ThreesAndSevens.Train.Count} training and {data.ThreesAndSevens.Valid.Count} test 3s and 7s " +
              $"(the book's \"valid\" set is the test set's 3s and 7s); {data.Digits.Train.Count} training and {data.Digits.Valid.Count} test digits"
            : $"data: MNIST_SAMPLE's folders {tree!.Root}: {data.ThreesAndSevens.Train.Count} training (train/) and " +
              $"{data.ThreesAndSevens.Valid.Count} valid (valid/) 3s and 7s");
        console.WriteLine($"pictures: {pictures} ({settings.Size} pixels); seed {settings.Seed}");
        var total = Stopwatch.StartNew();
        foreach (var (heading, part) in parts)
        {
            console.WriteLine("");
            console.WriteLine($"{heading}. {part.Title}");
            var clock = Stopwatch.StartNew();
            foreach (var item in part.Run(context))
            {
                printer.Print(item);
            }
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   ({clock.Elapsed.TotalSeconds:F1} s)"));
        }
        console.WriteLine("");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done in {total.Elapsed.TotalSeconds:F1} s on {backend.Name}"));
        return ExitCodes.Success;
    }

    /// <summary>What a lesson run was asked for.</summary>
    private sealed record LessonSettings(string Backend, int Device, string? DataDir, string PictureFolder, PlotSize Size, int Seed);

    /// <summary>The options `descent lesson` and each experiment share.</summary>
    private sealed class LessonOptions
    {
        private readonly BackendOptions backend = new();
        private readonly Option<string?> dataDir = new("--data-dir")
        {
            Description = $"Folder holding MNIST's four IDX files (raw or .gz), or MNIST_SAMPLE's folders as the book downloads them " +
                          $"({MnistSample.Layout}; steps 1 to 6 only) [default: the checksummed cache, filled on first use: " +
                          $"{DataDirOption.DefaultFolders([DatasetName.Mnist])}]",
        };
        private readonly Option<string> outDir = new("--out-dir")
        {
            Description = $"Folder the pictures go to, made if missing [default: ./{DefaultPictureFolder}]",
            DefaultValueFactory = _ => DefaultPictureFolder,
        };
        private readonly PlotOptions plot = new();
        private readonly Option<int> seed = new("--seed") { Description = "Seed for initialisation and shuffling", DefaultValueFactory = _ => 42 };

        public void AddTo(Command command)
        {
            backend.AddTo(command);
            command.Options.Add(dataDir);
            command.Options.Add(outDir);
            command.Options.Add(plot.Size);
            command.Options.Add(seed);
        }

        public LessonSettings Read(ParseResult parsed) => new(parsed.GetRequiredValue(backend.Backend), parsed.GetValue(backend.Device),
            parsed.GetValue(dataDir), parsed.GetRequiredValue(outDir), plot.ReadSize(parsed), parsed.GetValue(seed));
    }
}
