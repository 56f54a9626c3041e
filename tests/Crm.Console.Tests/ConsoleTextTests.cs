using System.Text.RegularExpressions;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Console.Tests;

/// <summary>
/// Every text the console shows or reads aloud comes from its catalogs (English and Polish, each
/// with every key: the TypeScript types require it), so no page speaks English to a Polish user.
/// Read from the sources, with no browser: a text written straight into a component fails here,
/// with its file and line, before any page is opened.
/// </summary>
public sealed partial class ConsoleTextTests
{
    /// <summary>Words that are the same in every language: names of languages in their own tongue, and a script's own values.</summary>
    private static readonly string[] Untranslated = ["Polski", "English", "true, false, approved …"];

    [Fact]
    public void No_component_shows_or_labels_anything_with_a_text_of_its_own()
    {
        var sources = Path.Combine(TestPostgres.RepositoryRoot(), "host", "Crm.Console", "src");
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(sources, "*.tsx", SearchOption.AllDirectories))
        {
            // Without comments, so that a comment's words are not taken for a text; a text may run over several lines.
            var source = Comment().Replace(File.ReadAllText(file), m => new string('\n', m.Value.Count(c => c == '\n')));
            foreach (var match in JsxText().Matches(source).Concat(TextAttribute().Matches(source)))
            {
                var text = WhiteSpace().Replace(match.Groups["text"].Value, " ").Trim();
                if (!Untranslated.Contains(text))
                {
                    var line = source.AsSpan(0, match.Index).Count('\n') + 1;
                    found.Add($"{Path.GetRelativePath(sources, file)}:{line}: \"{text}\"");
                }
            }
        }

        Assert.True(found.Count == 0, "Texts written into components instead of the catalogs (src/i18n):\n" + string.Join("\n", found));
    }

    // Text between a tag's end and the next tag, with a word in it (not an expression, not a type's generic argument).
    [GeneratedRegex(@"(?<![=(,:|&]\s*)>(?<text>[^<>{}=;()`'""]*\p{L}{2,}[^<>{}=;()`'""]*)</")]
    private static partial Regex JsxText();

    [GeneratedRegex(@"(?m)//.*$|/\*[\s\S]*?\*/")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    // An attribute a person reads or hears, given as a literal.
    [GeneratedRegex(@"\b(?:aria-label|aria-description|aria-placeholder|aria-roledescription|aria-valuetext|placeholder|title|alt|label)=""(?<text>[^""]*\p{L}[^""]*)""")]
    private static partial Regex TextAttribute();
}
