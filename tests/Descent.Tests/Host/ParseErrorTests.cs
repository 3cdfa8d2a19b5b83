using System.CommandLine;
using System.Globalization;
using Descent.Host;
using Spectre.Console.Testing;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// A value an option cannot take is one line that says, in a person's words, what the option takes and
/// its range, and exit code 2: never a .NET type name such as "System.Nullable`1[System.Single]".
/// </summary>
public sealed class ParseErrorTests
{
    private const string Integer = "takes an integer from -2147483648 to 2147483647";
    private const string Single = "takes a number from -3.4E+38 to 3.4E+38, like 0.05 or 5e-2";
    private const string Double = "takes a number from -1.8E+308 to 1.8E+308, like 0.05 or 5e-2";

    [Theory]
    [InlineData($"--lr {Single}, not 'abc'", "train", "--lr", "abc")]
    [InlineData($"--seed {Integer}, not '99999999999'", "train", "--seed", "99999999999")]
    [InlineData($"--epochs {Integer}, not 'many'", "train", "--epochs", "many")]
    [InlineData($"--batch-size {Integer}, not '1.5'", "train", "--batch-size", "1.5")]
    [InlineData($"--step-size {Integer}, not '0x10'", "train", "--step-size", "0x10")]
    [InlineData($"--momentum {Single}, not 'NaN'", "train", "--momentum", "NaN")]
    [InlineData($"--gamma {Single}, not '1e39'", "train", "--gamma", "1e39")]
    [InlineData($"--weight-decay {Single}, not 'Infinity'", "train", "--weight-decay", "Infinity")]
    [InlineData($"--valid-split {Double}, not 'a tenth'", "train", "--valid-split", "a tenth")]
    [InlineData($"--device {Integer}, not 'gpu0'", "train", "--device", "gpu0")]
    [InlineData($"--size {Integer}, not 'abc'", "bench", "gemm", "--size", "abc")]
    [InlineData($"--seconds {Double}, not '2s'", "bench", "gemm", "--seconds", "2s")]
    [InlineData($"--epochs {Integer}, not 'five'", "bench", "--epochs", "five")]
    [InlineData($"--device {Integer}, not '1e3'", "check", "--device", "1e3")]
    [InlineData($"--device {Integer}, not '-'", "eval", "model.safetensors", "--device", "-")]
    [InlineData($"--index {Integer}, not 'x'", "predict", "model.safetensors", "--index", "3", "--index", "x")]
    [InlineData($"--top {Integer}, not 'all'", "predict", "model.safetensors", "picture.png", "--top", "all")]
    public void A_value_an_option_cannot_take_says_what_it_takes(string expected, params string[] args)
    {
        var line = CommandLine.AssertOneLineError(CommandLine.Run(args), 2, expected);

        Assert.DoesNotContain("System.", line);
    }

    /// <summary>Every numeric option of every command, as "command ... --option", found in the commands themselves.</summary>
    public static TheoryData<string> EveryNumericOption()
    {
        var root = DescentApp.CreateCommands(new TestConsole(), TextWriter.Null, TextWriter.Null);
        var found = new TheoryData<string>();
        void Visit(Command command, string path)
        {
            foreach (var option in command.Options.Where(option => NumericOptions.Takes(option.ValueType) is not null))
            {
                found.Add($"{path} {option.Name}".Trim());
            }
            foreach (var subcommand in command.Subcommands)
            {
                Visit(subcommand, $"{path} {subcommand.Name}");
            }
        }
        Visit(root, "");
        return found;
    }

    [Theory]
    [MemberData(nameof(EveryNumericOption))]
    public void Every_numeric_option_says_what_it_takes(string commandAndOption)
    {
        var words = commandAndOption.Split(' ');
        var option = words[^1];
        var command = Find(DescentApp.CreateCommands(new TestConsole(), TextWriter.Null, TextWriter.Null), words[..^1]);
        // Required arguments get a value, so that the option's error is the only one.
        string[] arguments = [.. command.Arguments.Select(_ => "x")];
        var takes = NumericOptions.Takes(command.Options.Single(o => o.Name == option).ValueType);

        var line = CommandLine.AssertOneLineError(CommandLine.Run([.. words[..^1], .. arguments, option, "twelve"]), 2,
            $"{option} takes {takes}, not 'twelve'");

        Assert.DoesNotContain("System.", line);
    }

    [Fact]
    public void The_numeric_options_found_include_those_of_train_and_bench()
    {
        var found = EveryNumericOption().Cast<object[]>().Select(row => (string)row[0]).ToList();

        Assert.Contains("train --lr", found);
        Assert.Contains("train --seed", found);
        Assert.Contains("bench gemm --size", found);
        Assert.Contains("eval --device", found);
        Assert.Contains("predict --index", found);
    }

    [Theory]
    [InlineData("--seed", "-7", -7)]
    [InlineData("--epochs", "2147483647", 2147483647)]
    [InlineData("--lr", "5e-2", 0.05)]
    [InlineData("--valid-split", "0.25", 0.25)]
    [InlineData("--gamma", "-3.4e38", -3.4e38)]
    public void A_value_in_range_still_parses(string option, string text, double expected)
    {
        var parsed = DescentApp.CreateCommands(new TestConsole(), TextWriter.Null, TextWriter.Null).Parse(["train", option, text]);

        Assert.Empty(parsed.Errors);
        Assert.Equal(expected, Convert.ToDouble(parsed.GetValue<object>(option), CultureInfo.InvariantCulture), Math.Abs(expected) * 1e-6);
    }

    private static Command Find(Command root, IEnumerable<string> names) =>
        names.Aggregate(root, (command, name) => command.Subcommands.Single(sub => sub.Name == name));
}
