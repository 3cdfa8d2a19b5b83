using System.Globalization;

namespace Descent.Peer;

/// <summary>A bad argument, a malformed file (exit 2) or a missing one (exit 3), said in one line.</summary>
public sealed class PeerInputException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>"--name value" pairs and bare "--flag"s; an option given but never read is refused, so a typo cannot pass silently.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string?> values = [];
    private readonly HashSet<string> read = [];

    public static Options Parse(string[] args, IReadOnlySet<string> flags)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || args[i].Length == 2)
            {
                throw new PeerInputException($"expected an option like --name, got '{args[i]}'");
            }
            var name = args[i][2..];
            if (flags.Contains(name))
            {
                options.values[name] = null;
            }
            else if (i + 1 < args.Length)
            {
                options.values[name] = args[++i];
            }
            else
            {
                throw new PeerInputException($"--{name} needs a value");
            }
        }
        return options;
    }

    public string? Optional(string name)
    {
        read.Add(name);
        return values.GetValueOrDefault(name);
    }

    public string Text(string name) => Optional(name) ?? throw new PeerInputException($"--{name} is required");

    public bool Flag(string name)
    {
        read.Add(name);
        return values.ContainsKey(name);
    }

    public int Int(string name, int? fallback = null, int minimum = 1)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback ?? throw new PeerInputException($"--{name} is required");
        }
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum
            ? value
            : throw new PeerInputException($"--{name} must be a whole number, {minimum} or more, got '{text}'");
    }

    public double Double(string name, double fallback)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0
            ? value
            : throw new PeerInputException($"--{name} must be a number, 0 or more, got '{text}'");
    }

    public void RefuseUnused()
    {
        var unused = values.Keys.Where(name => !read.Contains(name)).ToList();
        if (unused.Count > 0)
        {
            throw new PeerInputException($"--{unused[0]} does not apply here");
        }
    }
}
