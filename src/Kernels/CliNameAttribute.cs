namespace Descent.Kernels;

/// <summary>
/// Spells an enum member on the command line where kebab case of its C# name would read badly
/// (AdamW is "adamw", not "adam-w"). <see cref="CliNames"/> honours it.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class CliNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
