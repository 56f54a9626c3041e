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
        entity.Label("en", "Company", "Companies").Label("pl", "Firma", "Firmy");
        entity.Field(c => c.Title).Required().Describe("The company's name.").Label("en", "Company name").Label("pl", "Nazwa firmy").ShowInList();
        entity.Field(c => c.CompanyType, "typeId").FromList("COMPANY_TYPE").Formerly("companyType", "companyTypeItem").Describe("Company type, an item of the COMPANY_TYPE list.").Label("en", "Company type").Label("pl", "Typ firmy").ShowInList();
        entity.Field(c => c.Industry, "industryId").FromList("INDUSTRY").Formerly("industry").Describe("An item of the INDUSTRY list.").Label("en", "Industry").Label("pl", "Branża").ShowInList();
        entity.Field(c => c.Employees, "employeesId").FromList("EMPLOYEES").Formerly("employees").Describe("Size band, an item of the EMPLOYEES list.").Label("en", "Employees").Label("pl", "Liczba pracowników");
        entity.Field(c => c.Revenue).Range(0).Describe("Annual revenue, in currencyId; not negative.").Label("en", "Annual revenue").Label("pl", "Roczny przychód");
        entity.Field(c => c.CurrencyId).Currency().Describe("ISO 4217 currency code of the revenue.").Label("en", "Currency").Label("pl", "Waluta");
        entity.ContactPoints(c => c.Phones, ContactPointKind.Phone).Label("en", "Phone").Label("pl", "Telefon").ShowInList();
        entity.ContactPoints(c => c.Emails, ContactPointKind.Email).Label("en", "E-mail").Label("pl", "E-mail");
        entity.ContactPoints(c => c.Webs, ContactPointKind.Web).Label("en", "Website").Label("pl", "Strona internetowa");
        entity.Address(c => c.Address).Label("pl", "Adres");
        entity.Field(c => c.Comments).NotSortable().Label("en", "Comment").Label("pl", "Komentarz");
        entity.Field(c => c.AssignedById).ReferencesUser("assignedBy").Describe("The user responsible for the company.").Label("en", "Responsible").Label("pl", "Odpowiedzialny").ShowInList();
        entity.Field(c => c.Opened).Describe("Visible to everyone allowed to see open records.").Label("en", "Available to everyone").Label("pl", "Dostępny dla wszystkich");
        entity.Field(c => c.LeadId).References("lead", "lead").Describe("The lead the company was converted from.").Label("pl", "Lead");
        entity.AuditFields();
    }
}
