using System.Text.RegularExpressions;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>
/// README's C# is the samples' code, quoted whole between marker comments: the samples are built and run by CI, so
/// what README shows compiles against the public API and works. These checks keep the two from drifting apart.
/// </summary>
public sealed partial class ReadmeSamplesTests
{
    private const string SectionHeading = "## Using the engine from C#";

    [Fact]
    public void Every_quoted_sample_is_the_file_it_names_word_for_word()
    {
        var quotes = Quotes(Readme());

        Assert.NotEmpty(quotes);
        foreach (var quote in quotes)
        {
            var path = Path.Combine(RepositoryRoot(), quote.Path);
            Assert.True(File.Exists(path), $"README quotes {quote.Path}, which does not exist");
            Assert.Equal(Normalized(File.ReadAllText(path)), quote.Code);
        }
    }

    [Fact]
    public void Every_sample_program_is_quoted()
    {
        var quoted = Quotes(Readme()).Select(quote => quote.Path).ToHashSet();
        var programs = Directory.GetFiles(Path.Combine(RepositoryRoot(), "samples"), "Program.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(RepositoryRoot(), path).Replace(Path.DirectorySeparatorChar, '/'));

        Assert.All(programs, program => Assert.Contains(program, quoted));
    }

    [Fact]
    public void The_csharp_section_has_no_code_but_the_quoted_samples()
    {
        var readme = Readme();
        var start = readme.IndexOf(SectionHeading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no section '{SectionHeading}'");
        var next = readme.IndexOf("\n## ", start + SectionHeading.Length, StringComparison.Ordinal);
        var section = readme[start..(next < 0 ? readme.Length : next)];

        // An unquoted block there is code no build checks, as the example that called a method that did not exist was.
        Assert.Equal(Quotes(section).Count, CSharpBlock().Count(section));
    }

    private sealed record Quote(string Path, string Code);

    private static IReadOnlyList<Quote> Quotes(string markdown) =>
        QuotedSample().Matches(markdown)
            .Select(match => new Quote(match.Groups["path"].Value, match.Groups["code"].Value))
            .ToArray();

    /// <summary>A quote: the opening marker naming the file, a csharp block holding it whole, the closing marker naming it again.</summary>
    [GeneratedRegex(@"<!-- quoted from (?<path>\S+) -->\n```csharp\n(?<code>.*?)```\n<!-- end of \k<path> -->", RegexOptions.Singleline)]
    private static partial Regex QuotedSample();

    [GeneratedRegex(@"^```csharp$", RegexOptions.Multiline)]
    private static partial Regex CSharpBlock();

    private static string Readme() => Normalized(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")));

    /// <summary>A checkout on Windows may turn line ends into CRLF in one file and not the other.</summary>
    private static string Normalized(string text) => text.Replace("\r\n", "\n");

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Descent.sln")))
        {
            folder = folder.Parent;
        }
        return folder?.FullName ?? throw new InvalidOperationException($"no Descent.sln above {AppContext.BaseDirectory}");
    }
}
