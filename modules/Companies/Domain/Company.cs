using Crm.PluginSdk.Records;

namespace Crm.Modules.Companies.Domain;

/// <summary>An organisation; Bitrix24's CRM company.</summary>
[CrmRecord(CompanyEntity.Name)]
public sealed class Company : AuditedRecord, ISearchableRecord, Crm.PluginSdk.Security.IOwnedRecord
{
    IEnumerable<string?> ISearchableRecord.SearchTexts => [Title];

    IEnumerable<string> ISearchableRecord.SearchHandles => Emails.Select(e => e.Value).Concat(Webs.Select(w => w.Value));

    IEnumerable<string> ISearchableRecord.SearchPhones => Phones.Select(p => p.Value);

    public string Title { get; set; } = "";

    /// <summary>COMPANY_TYPE list item.</summary>
    public string? CompanyType { get; set; }

    /// <summary>INDUSTRY list item.</summary>
    public string? Industry { get; set; }

    /// <summary>EMPLOYEES list item (a size band).</summary>
    public string? Employees { get; set; }

    /// <summary>Annual revenue, in <see cref="CurrencyId"/>.</summary>
    public decimal? Revenue { get; set; }

    /// <summary>ISO 4217 code of <see cref="Revenue"/>.</summary>
    public string? CurrencyId { get; set; }

    public List<ContactPoint> Phones { get; set; } = [];

    public List<ContactPoint> Emails { get; set; } = [];

    public List<ContactPoint> Webs { get; set; } = [];

    public PostalAddress? Address { get; set; }

    public string? Comments { get; set; }

    public long? AssignedById { get; set; }

    public bool Opened { get; set; } = true;

    /// <summary>The lead this record was converted from.</summary>
    public long? LeadId { get; set; }
}
