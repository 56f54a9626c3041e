using System.Text;

namespace Crm.PluginSdk.Records;

/// <summary>The one normalization of search content and of search terms.</summary>
public static class SearchText
{
    public const string Column = "SearchContent";

    /// <summary>
    /// The column with the titles of the records a record links to, for types that declare them
    /// (<see cref="Entities.EntityBuilder{TRecord}.SearchIncludes"/>): kept apart from
    /// <see cref="Column"/>, which the record's own saves rebuild, and searched with it.
    /// </summary>
    public const string LinksColumn = "SearchLinks";

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

    /// <summary>The searchable text of linked records' titles, normalized as texts are.</summary>
    public static string? BuildLinks(IEnumerable<string?> titles) =>
        Build(titles, [], []) is { Length: > 0 } text ? text : null;

    public static string Digits(string text) => new(text.Where(char.IsAsciiDigit).ToArray());
}
