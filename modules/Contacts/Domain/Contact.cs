using Crm.PluginSdk.Records;

namespace Crm.Modules.Contacts.Domain;

/// <summary>A person; Bitrix24's CRM contact.</summary>
[CrmRecord(ContactEntity.Name)]
public sealed class Contact : AuditedRecord, ISearchableRecord, Crm.PluginSdk.Security.IOwnedRecord
{
    IEnumerable<string?> ISearchableRecord.SearchTexts => [Name, SecondName, LastName, Post];

    IEnumerable<string> ISearchableRecord.SearchHandles => Emails.Select(e => e.Value);

    IEnumerable<string> ISearchableRecord.SearchPhones => Phones.Select(p => p.Value);

    /// <summary>HONORIFIC list item: form of address (Mr., Ms., Dr. ...).</summary>
    public string? Honorific { get; set; }

    public string? Name { get; set; }

    public string? SecondName { get; set; }

    public string? LastName { get; set; }

    /// <summary>Job title.</summary>
    public string? Post { get; set; }

    /// <summary>CONTACT_TYPE list item.</summary>
    public string? TypeId { get; set; }

    /// <summary>SOURCE list item: where the contact came from.</summary>
    public string? SourceId { get; set; }

    public string? SourceDescription { get; set; }

    public List<ContactPoint> Phones { get; set; } = [];

    public List<ContactPoint> Emails { get; set; } = [];

    public DateOnly? Birthdate { get; set; }

    public string? Comments { get; set; }

    public long? AssignedById { get; set; }

    /// <summary>Visible to everyone who may see open records, not only the assignee's chain.</summary>
    public bool Opened { get; set; } = true;

    /// <summary>The lead this record was converted from.</summary>
    public long? LeadId { get; set; }

    public List<ContactCompanyLink> CompanyLinks { get; set; } = [];
}

/// <summary>A contact's membership in a company; the company lives in another module.</summary>
public sealed class ContactCompanyLink : IOrderedLink
{
    long IOrderedLink.TargetId => CompanyId;

    public long ContactId { get; set; }

    public long CompanyId { get; set; }

    /// <summary>Position in the contact's list of companies.</summary>
    public int Sort { get; set; }
}
