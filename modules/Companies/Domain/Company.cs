using Crm.PluginSdk.Records;

namespace Crm.Modules.Companies.Domain;

/// <summary>An organisation; Bitrix24's CRM company.</summary>
[CrmRecord(CompanyEntity.Name)]
public sealed class Company : AuditedRecord
{
    public string Title { get; set; } = "";

    public string? Industry { get; set; }

    public List<ContactPoint> Phones { get; set; } = [];

    public List<ContactPoint> Emails { get; set; } = [];

    public List<ContactPoint> Webs { get; set; } = [];

    public PostalAddress? Address { get; set; }

    public string? Comments { get; set; }

    public long? AssignedById { get; set; }

    public bool Opened { get; set; } = true;
}
