using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;

namespace Acme.Quotes.Documents;

/// <summary>
/// What a quote and an invoice share: a number of the year, what it is for (a deal, a company, a
/// contact), a status, and the totals of its product rows, which only the plugin computes.
/// </summary>
public abstract class SalesDocument : AuditedRecord, ISearchableRecord, IOwnedRecord
{
    IEnumerable<string?> ISearchableRecord.SearchTexts => [Number, Title];

    IEnumerable<string> ISearchableRecord.SearchHandles => [];

    IEnumerable<string> ISearchableRecord.SearchPhones => [];

    /// <summary>Q-2026-0001, I-2026-0001: given at creation, never changed (<see cref="DocumentNumbers"/>).</summary>
    public string Number { get; set; } = "";

    public string Title { get; set; } = "";

    public long? DealId { get; set; }

    public long? CompanyId { get; set; }

    public long? ContactId { get; set; }

    public string StatusId { get; set; } = "";

    public string CurrencyId { get; set; } = "USD";

    /// <summary>The rows' net amounts (after discounts), before tax.</summary>
    public decimal Subtotal { get; set; }

    public decimal TaxTotal { get; set; }

    public decimal Total { get; set; }

    /// <summary>How many product rows it has.</summary>
    public int RowCount { get; set; }

    public long? AssignedById { get; set; }

    public bool Opened { get; set; } = true;
}
