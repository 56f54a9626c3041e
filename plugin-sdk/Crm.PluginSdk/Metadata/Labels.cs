using System.Text;
using System.Text.RegularExpressions;

namespace Crm.PluginSdk.Metadata;

/// <summary>
/// The names one thing (a record type, a field, an action) is shown by, one per language, as the
/// console and other front ends show them (<c>entityTypes</c>). English is <c>en</c>; a language
/// without a text falls back to English, and a thing without an English text to a readable form
/// of its API name (<c>closeDate</c>: "Close date").
/// </summary>
public sealed partial class Labels
{
    /// <summary>The longest language code a label may be declared for, or asked for (pt-br, zh-hans ...).</summary>
    public const int MaxLanguageLength = 10;

    /// <summary>The longest label text.</summary>
    public const int MaxTextLength = 200;

    /// <summary>The language every label falls back to.</summary>
    public const string English = "en";

    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);

    /// <summary>The declared texts by language code (lower case).</summary>
    public IReadOnlyDictionary<string, string> Texts => _texts;

    /// <summary>The text in <paramref name="language"/>, else in English, else null.</summary>
    public string? In(string language) =>
        _texts.GetValueOrDefault(language) ?? _texts.GetValueOrDefault(English);

    /// <summary>The text in <paramref name="language"/>, else in English, else the readable form of <paramref name="name"/>.</summary>
    public string In(string language, string name) => In(language) ?? Readable(name);

    internal void Set(string language, string text)
    {
        _texts[CheckLanguage(language)] = CheckText(text);
    }

    /// <summary>An admin's label (a custom field's), checked where it was saved: kept as it is, but for a language no request can name.</summary>
    internal void Adopt(string language, string text)
    {
        var code = language.ToLowerInvariant();
        if (IsLanguageCode(code) && !string.IsNullOrWhiteSpace(text))
        {
            _texts[code] = text;
        }
    }

    /// <summary>A language code as labels are keyed: lower case letters, digits and '-', at most <see cref="MaxLanguageLength"/> characters.</summary>
    public static string CheckLanguage(string language)
    {
        ArgumentNullException.ThrowIfNull(language);
        var code = language.ToLowerInvariant();
        return IsLanguageCode(code)
            ? code
            : throw new ArgumentException($"'{language}' is not a language code (such as en, pl or pt-br; at most {MaxLanguageLength} characters).", nameof(language));
    }

    private static string CheckText(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return text.Length <= MaxTextLength ? text : throw new ArgumentException($"A label has at most {MaxTextLength} characters.", nameof(text));
    }

    /// <summary>Whether <paramref name="language"/> could be a language code.</summary>
    public static bool IsLanguageCode(string language) => language.Length <= MaxLanguageLength && LanguagePattern().IsMatch(language);

    /// <summary>
    /// A readable form of an API name: words split at capitals and underscores, the first
    /// capitalised, a trailing "Id" dropped (<c>stageId</c>: "Stage", <c>QUOTE</c>: "Quote",
    /// <c>utmSource</c>: "Utm source").
    /// </summary>
    public static string Readable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var source = name.Length > 2 && name.EndsWith("Id", StringComparison.Ordinal) ? name[..^2] : name;
        if (source.Length > 0 && source.All(c => !char.IsLetter(c) || char.IsUpper(c)))
        {
            source = source.ToLowerInvariant();
        }

        var text = new StringBuilder(source.Length + 4);
        foreach (var c in source)
        {
            if (c == '_' || c == '-' || c == ' ')
            {
                if (text.Length > 0 && text[^1] != ' ')
                {
                    text.Append(' ');
                }

                continue;
            }

            if (char.IsUpper(c) && text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }

            text.Append(text.Length == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }

        return text.ToString().TrimEnd();
    }

    [GeneratedRegex("^[a-z]{2,3}(-[a-z0-9]{1,8})?$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguagePattern();
}
