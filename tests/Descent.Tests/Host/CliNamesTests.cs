using System.CommandLine;
using Descent.Engine.Optimizers;
using Descent.Host.Commands;
using Descent.Kernels;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>The command line's choice lists come from the enums they feed, spelled in kebab case.</summary>
public sealed class CliNamesTests
{
    [Fact]
    public void Members_are_spelled_in_kebab_case_unless_they_say_otherwise()
    {
        Assert.Equal("shared-memory-tiles", CliNames.Of(GemmAlgorithm.SharedMemoryTiles));
        Assert.Equal("relu", CliNames.Of(Activation.Relu));
        Assert.Equal("adamw", CliNames.Of(OptimizerKind.AdamW));
        Assert.Equal(OptimizerKind.AdamW, CliNames.Parse<OptimizerKind>("adamw", "optimizer"));
        Assert.Equal(GemmAlgorithm.CacheBlocked, CliNames.Parse<GemmAlgorithm>("cache-blocked", "GEMM"));
    }

    [Fact]
    public void An_unknown_name_lists_every_choice()
    {
        var error = Assert.Throws<InvalidInputException>(() => CliNames.Parse<ScheduleKind>("linear", "schedule"));

        Assert.Equal("unknown schedule 'linear'; choose constant, step, cosine, one-cycle", error.Message);
    }

    [Theory]
    [InlineData("--activation", typeof(Activation))]
    [InlineData("--optimizer", typeof(OptimizerKind))]
    [InlineData("--schedule", typeof(ScheduleKind))]
    public void Train_accepts_every_member_of_the_enum_an_option_feeds(string option, Type kind)
    {
        var command = new Command("train");
        new TrainOptions().AddTo(command);

        foreach (var name in Enum.GetNames(kind))
        {
            var member = (Enum)Enum.Parse(kind, name);
            var spelled = (string)typeof(CliNames).GetMethod(nameof(CliNames.Of))!.MakeGenericMethod(kind).Invoke(null, [member])!;
            var parsed = command.Parse([option, spelled]);
            Assert.Empty(parsed.Errors);
        }
        Assert.NotEmpty(command.Parse([option, "no-such-choice"]).Errors);
    }
}
