using System.Linq.Expressions;
using Crm.Modules.Contacts.Data;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Contacts.Domain;

/// <summary><c>Contact.companies</c> and <c>Company.contacts</c>, from the link table this module owns.</summary>
public sealed class ContactCompanyRelation : LinkTableRelation<ContactsDbContext, ContactCompanyLink>
{
    public override string FromType => ContactEntity.Name;

    public override string ToType => "company";

    public override string FromField => "companies";

    public override string ToField => "contacts";

    public override string? FromInputName => ContactEntity.CompanyIds;

    protected override Expression<Func<ContactCompanyLink, long>> FromColumn => link => link.ContactId;

    protected override Expression<Func<ContactCompanyLink, long>> ToColumn => link => link.CompanyId;
}
