using Crm.PluginSdk.Records;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>A price offer for a deal, as a partner's plugin would add one (Bitrix24's quote, simplified).</summary>
[CrmRecord(QuoteEntity.Name)]
public sealed class Quote : AuditedRecord, ISearchableRecord, Crm.PluginSdk.Security.IOwnedRecord
{
    IEnumerable<string?> ISearchableRecord.SearchTexts => [Title];

    IEnumerable<string> ISearchableRecord.SearchHandles => [];

    IEnumerable<string> ISearchableRecord.SearchPhones => [];

    public string Title { get; set; } = "";

    /// <summary>The deal it is offered for.</summary>
    public long? DealId { get; set; }

    /// <summary>The quote this one revises: a link to a record of its own kind (an import may name it by title).</summary>
    public long? RevisesId { get; set; }

    /// <summary>An item of <see cref="QuoteLists.Statuses"/>.</summary>
    public string StatusId { get; set; } = QuoteLists.Draft;

    public decimal Amount { get; set; }

    public string CurrencyId { get; set; } = "USD";

    /// <summary>The last day the offer holds; by default <see cref="QuoteTerms.ValidityDays"/> after it was made.</summary>
    public DateOnly? ValidUntil { get; set; }

    /// <summary>When it was accepted or withdrawn (by the platform's clock).</summary>
    public DateTime? ClosedAt { get; set; }

    /// <summary>Who accepted it.</summary>
    public long? AcceptedById { get; set; }

    public long? AssignedById { get; set; }

    public bool Opened { get; set; } = true;
}
