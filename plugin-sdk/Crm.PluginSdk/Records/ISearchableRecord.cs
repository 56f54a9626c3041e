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
