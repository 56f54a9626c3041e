using Crm.PluginSdk.Records;

namespace Crm.Modules.Companies.Domain;

/// <summary>An organisation; Bitrix24's CRM company.</summary>
[CrmRecord(CompanyEntity.Name)]
public sealed class Company : IAuditedRecord
{
    public long Id { get; set; }

    public string Title { get; set; } = "";

    public string? Industry { get; set; }

    public List<ContactPoint> Phones { get; set; } = [];

    public List<ContactPoint> Emails { get; set; } = [];

    public List<ContactPoint> Webs { get; set; } = [];

    public PostalAddress? Address { get; set; }

    public string? Comments { get; set; }

    public long? AssignedById { get; set; }

    public bool Opened { get; set; } = true;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public long? CreatedById { get; set; }

    public long? UpdatedById { get; set; }
}
