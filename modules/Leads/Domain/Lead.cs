using Crm.PluginSdk.Records;

namespace Crm.Modules.Leads.Domain;

/// <summary>An enquiry not yet qualified; Bitrix24's CRM lead.</summary>
[CrmRecord(LeadEntity.Name)]
public sealed class Lead : AuditedRecord, ISearchableRecord, Crm.PluginSdk.Security.IOwnedRecord
{
    IEnumerable<string?> ISearchableRecord.SearchTexts => [Title, Name, SecondName, LastName, CompanyTitle];

    IEnumerable<string> ISearchableRecord.SearchHandles => Emails.Select(e => e.Value).Concat(Webs.Select(w => w.Value)).Concat(Ims.Select(i => i.Value));

    IEnumerable<string> ISearchableRecord.SearchPhones => Phones.Select(p => p.Value);

    public string Title { get; set; } = "";

    /// <summary>HONORIFIC list item.</summary>
    public string? Honorific { get; set; }

    public string? Name { get; set; }

    public string? SecondName { get; set; }

    public string? LastName { get; set; }

    /// <summary>The name of the lead's company, before there is a company record.</summary>
    public string? CompanyTitle { get; set; }

    public string? Post { get; set; }

    /// <summary>STATUS list item; NEW when created.</summary>
    public string StatusId { get; set; } = "";

    public string? StatusDescription { get; set; }

    public string? SourceId { get; set; }

    public string? SourceDescription { get; set; }

    public decimal? Opportunity { get; set; }

    public string? CurrencyId { get; set; }

    public long? AssignedById { get; set; }

    public bool Opened { get; set; } = true;

    public string? Comments { get; set; }

    public DateOnly? Birthdate { get; set; }

    public PostalAddress? Address { get; set; }

    public string? UtmSource { get; set; }

    public string? UtmMedium { get; set; }

    public string? UtmCampaign { get; set; }

    public string? UtmContent { get; set; }

    public string? UtmTerm { get; set; }

    public List<ContactPoint> Phones { get; set; } = [];

    public List<ContactPoint> Emails { get; set; } = [];

    public List<ContactPoint> Webs { get; set; } = [];

    public List<ContactPoint> Ims { get; set; } = [];

    /// <summary>The contact the lead became or was linked to on conversion.</summary>
    public long? ContactId { get; set; }

    public long? CompanyId { get; set; }

    public long? DealId { get; set; }
}
