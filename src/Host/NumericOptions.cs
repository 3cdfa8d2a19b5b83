using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Descent.Host;

/// <summary>
/// Gives every numeric option and argument of a command tree a parser whose error says, in a person's
/// words, what it takes: "--seed takes an integer from -2147483648 to 2147483647, not '99999999999'",
/// where System.CommandLine's own names a .NET type ("System.Nullable`1[System.Single]"). What it
/// takes follows from the value's type alone, so an option added anywhere needs nothing here.
/// </summary>
public static class NumericOptions
{
    /// <summary>Sets the parsers on <paramref name="command"/>'s options and arguments and on its subcommands', all the way down.</summary>
    public static void Describe(Command command)
    {
        foreach (var symbol in command.Options.Cast<Symbol>().Concat(command.Arguments))
        {
            DescribeInteger<int>(symbol);
            DescribeInteger<long>(symbol);
            DescribeReal<float>(symbol);
            DescribeReal<double>(symbol);
        }
        foreach (var subcommand in command.Subcommands)
        {
            Describe(subcommand);
        }
    }

    /// <summary>What an option of <paramref name="type"/> takes, in words (each value, for a list); null for a type that is not a number.</summary>
    public static string? Takes(Type type) => (Nullable.GetUnderlyingType(type) ?? type.GetElementType() ?? type) switch
    {
        var t when t == typeof(int) => IntegerRange<int>(),
        var t when t == typeof(long) => IntegerRange<long>(),
        var t when t == typeof(float) => RealRange<float>(),
        var t when t == typeof(double) => RealRange<double>(),
        _ => null,
    };

    private static string IntegerRange<T>() where T : IBinaryInteger<T>, IMinMaxValue<T> =>
        string.Create(CultureInfo.InvariantCulture, $"an integer from {T.MinValue} to {T.MaxValue}");

    private static string RealRange<T>() where T : IFloatingPoint<T>, IMinMaxValue<T> =>
        string.Create(CultureInfo.InvariantCulture, $"a number from {T.MinValue:G2} to {T.MaxValue:G2}, like 0.05 or 5e-2");

    private static void DescribeInteger<T>(Symbol symbol) where T : struct, IBinaryInteger<T>, IMinMaxValue<T> =>
        Describe<T>(symbol, (string text, out T value) =>
            T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value));

    // Infinity and NaN parse as floats but no option means them; a value past the type's range parses as infinity.
    private static void DescribeReal<T>(Symbol symbol) where T : struct, IFloatingPoint<T>, IMinMaxValue<T> =>
        Describe<T>(symbol, (string text, out T value) =>
            T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && T.IsFinite(value));

    private delegate bool TryParse<T>(string text, out T value);

    private static void Describe<T>(Symbol symbol, TryParse<T> tryParse) where T : struct
    {
        var takes = Takes(typeof(T))!;
        switch (symbol)
        {
            case Option<T> option:
                option.CustomParser = result => Parse(result, option.Name, takes, tryParse) ?? default;
                break;
            case Option<T?> option:
                option.CustomParser = result => Parse(result, option.Name, takes, tryParse);
                break;
            case Argument<T> argument:
                argument.CustomParser = result => Parse(result, argument.Name, takes, tryParse) ?? default;
                break;
            case Argument<T?> argument:
                argument.CustomParser = result => Parse(result, argument.Name, takes, tryParse);
                break;
            case Option<T[]> option:
                option.CustomParser = result => ParseEach(result, option.Name, takes, tryParse);
                break;
            case Argument<T[]> argument:
                argument.CustomParser = result => ParseEach(result, argument.Name, takes, tryParse);
                break;
        }
    }

    /// <summary>Each value of an option given more than once (--index 3 --index 5); the first that is not one is the error.</summary>
    private static T[] ParseEach<T>(ArgumentResult result, string name, string takes, TryParse<T> tryParse) where T : struct
    {
        var values = new T[result.Tokens.Count];
        for (var i = 0; i < values.Length; i++)
        {
            if (!tryParse(result.Tokens[i].Value, out values[i]))
            {
                result.AddError($"{name} takes {takes}, not '{result.Tokens[i].Value}'");
                return [];
            }
        }
        return values;
    }

    private static T? Parse<T>(ArgumentResult result, string name, string takes, TryParse<T> tryParse) where T : struct
    {
        var text = string.Join(' ', result.Tokens.Select(token => token.Value));
        if (tryParse(text, out var value))
        {
            return value;
        }
        result.AddError($"{name} takes {takes}, not '{text}'");
        return null;
    }
}
