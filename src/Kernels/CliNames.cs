using System.Reflection;
using System.Text;

namespace Descent.Kernels;

/// <summary>
/// How the command line and reports spell an enum member: kebab case of its C# name (LeakyRelu is
/// "leaky-relu"), or its <see cref="CliNameAttribute"/>. Every list of choices is derived from the enum through this, so a new member is a
/// new choice without another edit.
/// </summary>
public static class CliNames
{
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum
    {
        var name = value.ToString();
        if (typeof(TEnum).GetField(name)?.GetCustomAttribute<CliNameAttribute>() is { } spelled)
        {
            return spelled.Name;
        }
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('-');
            }
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>Every member's name, in declaration order.</summary>
    public static string[] All<TEnum>() where TEnum : struct, Enum => Enum.GetValues<TEnum>().Select(Of).ToArray();

    /// <summary>The member whose name is <paramref name="name"/>, or an InvalidInputException listing the choices.</summary>
    public static TEnum Parse<TEnum>(string name, string what) where TEnum : struct, Enum
    {
        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Of(value), name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        throw new InvalidInputException($"unknown {what} '{name}'; choose {string.Join(", ", All<TEnum>())}");
    }
}
