using Crm.Modules.Companies.Data;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Companies.Domain;

/// <summary>The company type. Its contacts come from the Contacts module's relation, through the registry.</summary>
public sealed class CompanyEntity() : CrmEntityDefinition<Company, CompaniesDbContext>(Name)
{
    public new const string Name = "company";

    protected override void Configure(EntityBuilder<Company> entity)
    {
        entity.Describe("An organisation the business deals with.").Plural("companies");
        entity.Field(c => c.Title).Required().Describe("The company's name.");
        entity.Field(c => c.CompanyType, "typeId").FromList("COMPANY_TYPE").Formerly("companyType", "companyTypeItem").Describe("Company type, an item of the COMPANY_TYPE list.");
        entity.Field(c => c.Industry, "industryId").FromList("INDUSTRY").Formerly("industry").Describe("An item of the INDUSTRY list.");
        entity.Field(c => c.Employees, "employeesId").FromList("EMPLOYEES").Formerly("employees").Describe("Size band, an item of the EMPLOYEES list.");
        entity.Field(c => c.Revenue).Range(0).Describe("Annual revenue, in currencyId; not negative.");
        entity.Field(c => c.CurrencyId).Describe("ISO 4217 currency code of the revenue.");
        entity.ContactPoints(c => c.Phones, ContactPointKind.Phone);
        entity.ContactPoints(c => c.Emails, ContactPointKind.Email);
        entity.ContactPoints(c => c.Webs, ContactPointKind.Web);
        entity.Address(c => c.Address);
        entity.Field(c => c.Comments).NotSortable();
        entity.Field(c => c.AssignedById).ReferencesUser("assignedBy").Describe("The user responsible for the company.");
        entity.Field(c => c.Opened).Describe("Visible to everyone allowed to see open records.");
        entity.Field(c => c.LeadId).References("lead", "lead").Describe("The lead the company was converted from.");
        entity.AuditFields();
    }
}
