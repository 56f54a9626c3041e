using System.Text;

namespace Crm.PluginSdk.Records;

/// <summary>
/// A record that the <c>search</c> argument of its list finds by its names, titles, e-mails and
/// phones. The SDK keeps a normalized copy of them in a column of its own (<c>search_content</c>:
/// lower-case text, phones as digits), refreshed on every save and indexed for substring search
/// on PostgreSQL (trigram GIN), so that a search is one indexed LIKE.
/// </summary>
public interface ISearchableRecord : ICrmRecord
{
    /// <summary>Texts to find the record by: names, titles.</summary>
    IEnumerable<string?> SearchTexts { get; }

    /// <summary>E-mails, web sites, messenger handles: found as written, ignoring case.</summary>
    IEnumerable<string> SearchHandles { get; }

    /// <summary>Phone numbers: found by their digits, whatever the formatting.</summary>
    IEnumerable<string> SearchPhones { get; }
}

/// <summary>The one normalization of search content and of search terms.</summary>
public static class SearchText
{
    public const string Column = "SearchContent";
    public const int MaxLength = 4000;

    /// <summary>Phones are matched on their last digits, so that +48 600-100-200 finds 600100200 and back.</summary>
    public const int PhoneDigits = 9;

    public static string Build(ISearchableRecord record) => Build(record.SearchTexts, record.SearchHandles, record.SearchPhones);

    /// <summary>The same, from the parts: for bulk loads that write rows without records.</summary>
    public static string Build(IEnumerable<string?> texts, IEnumerable<string> handles, IEnumerable<string> phones)
    {
        var builder = new StringBuilder();
        foreach (var text in texts.Concat(handles))
        {
            if (!string.IsNullOrWhiteSpace(text))
            {
                builder.Append(text.Trim().ToLowerInvariant()).Append(" | ");
            }
        }

        foreach (var phone in phones)
        {
            var digits = Digits(phone);
            if (digits.Length > 0)
            {
                builder.Append(digits).Append(" | ");
            }
        }

        return builder.Length > MaxLength ? builder.ToString(0, MaxLength) : builder.ToString();
    }

    /// <summary>
    /// What to look for: a phone-like search becomes its last digits; any other, its lower-case
    /// words, each of which must appear.
    /// </summary>
    public static IReadOnlyList<string> Terms(string search)
    {
        var trimmed = search.Trim();
        var digits = Digits(trimmed);
        if (digits.Length >= 5 && trimmed.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or '(' or ')' or ' ' or '.' or '/'))
        {
            return [digits.Length > PhoneDigits ? digits[^PhoneDigits..] : digits];
        }

        return trimmed.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().Take(8).ToList();
    }

    public static string Digits(string text) => new(text.Where(char.IsAsciiDigit).ToArray());
}
