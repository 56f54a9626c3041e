using Crm.Modules.Companies.Data;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Companies.Domain;

/// <summary>The company type. Its contacts come from the Contacts module's relation, through the registry.</summary>
public sealed class CompanyEntity() : CrmEntityDefinition<Company, CompaniesDbContext>(Name, TypeIdValue)
{
    public new const string Name = "company";
    private const int TypeIdValue = 4;

    protected override void Configure(EntityBuilder<Company> entity)
    {
        entity.Describe("An organisation the business deals with.").Plural("companies");
        entity.Field(c => c.Title).Required().Describe("The company's name.");
        entity.Field(c => c.Industry).Describe("Industry (a selection list id).");
        entity.ContactPoints(c => c.Phones, ContactPointKind.Phone);
        entity.ContactPoints(c => c.Emails, ContactPointKind.Email);
        entity.ContactPoints(c => c.Webs, ContactPointKind.Web);
        entity.Address(c => c.Address);
        entity.Field(c => c.Comments).NotSortable();
        entity.Field(c => c.AssignedById).AsId().Describe("The user responsible for the company.");
        entity.Field(c => c.Opened).Describe("Visible to everyone allowed to see open records.");
        entity.AuditFields();
    }
}
