namespace Descent.Engine.Files;

/// <summary>What the operating system said when a read or write failed, in words fit for one line.</summary>
public static class FailureCause
{
    /// <summary>
    /// The cause without the path .NET appends to it ("No space left on device : '/dev/full'"), which may be
    /// a temporary file's name the person never chose.
    /// </summary>
    public static string Of(Exception error) => error switch
    {
        UnauthorizedAccessException => "permission denied",
        FileNotFoundException or DirectoryNotFoundException => "no such file or folder",
        _ when error.Message.IndexOf(" : '", StringComparison.Ordinal) is var at and > 0 => error.Message[..at],
        _ => error.Message.TrimEnd('.'),
    };
}
