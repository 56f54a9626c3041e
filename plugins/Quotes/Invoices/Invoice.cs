using Acme.Quotes.Documents;
using Crm.PluginSdk.Records;

namespace Acme.Quotes.Invoices;

/// <summary>A bill for a deal, usually made from an accepted quote (<c>createInvoiceFromQuote</c>).</summary>
[CrmRecord(InvoiceEntity.Name)]
public sealed class Invoice : SalesDocument
{
    public Invoice() => StatusId = DocumentLists.Draft;

    /// <summary>The quote it was made from.</summary>
    public long? QuoteId { get; set; }

    public DateOnly? DueDate { get; set; }
}
