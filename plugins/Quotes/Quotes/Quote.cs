using Acme.Quotes.Documents;
using Crm.PluginSdk.Records;

namespace Acme.Quotes.Quotes;

/// <summary>A price offer for a deal.</summary>
[CrmRecord(QuoteEntity.Name)]
public sealed class Quote : SalesDocument
{
    public Quote() => StatusId = DocumentLists.Draft;

    /// <summary>The last day the offer holds.</summary>
    public DateOnly? ValidUntil { get; set; }
}
