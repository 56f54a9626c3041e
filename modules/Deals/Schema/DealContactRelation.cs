using System.Linq.Expressions;
using Crm.Modules.Deals.Data;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Deals.Domain;

/// <summary><c>Deal.contacts</c> (primary first) and <c>Contact.deals</c>, from the link table this module owns.</summary>
public sealed class DealContactRelation : LinkTableRelation<DealsDbContext, DealContactLink>
{
    public override string FromType => DealEntity.Name;

    public override string ToType => "contact";

    public override string FromField => "contacts";

    public override string ToField => "deals";

    public override string? FromInputName => DealEntity.ContactIds;

    protected override Expression<Func<DealContactLink, long>> FromColumn => link => link.DealId;

    protected override Expression<Func<DealContactLink, long>> ToColumn => link => link.ContactId;
}
