using Crm.Modules.Leads.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Leads.Domain;

/// <summary>The lead type. Statuses come from the STATUS list; only conversion reaches its success status.</summary>
public sealed class LeadEntity() : CrmEntityDefinition<Lead, LeadsDbContext>(Name)
{
    public new const string Name = "lead";
    public const string StatusList = "STATUS";

    protected override void Configure(EntityBuilder<Lead> entity)
    {
        entity.Describe("An enquiry, worked through its statuses and converted into a contact, a company and a deal.");
        entity.Label("en", "Lead", "Leads").Label("pl", "Lead", "Leady");
        entity.PermissionsPartitionedBy(l => l.StatusId);
        entity.Field(l => l.Title).Describe("Made from the name or company title when left out.").Label("pl", "Nazwa leada").ShowInList();
        entity.Field(l => l.Honorific, "honorificId").FromList("HONORIFIC").Formerly("honorific").Describe("Form of address, an item of the HONORIFIC list.").Label("en", "Salutation").Label("pl", "Zwrot grzecznościowy");
        entity.Field(l => l.Name).Label("en", "First name").Label("pl", "Imię");
        entity.Field(l => l.SecondName).Label("en", "Middle name").Label("pl", "Drugie imię");
        entity.Field(l => l.LastName).Label("pl", "Nazwisko");
        entity.Field(l => l.CompanyTitle).Describe("The name of the lead's company.").Label("en", "Company name").Label("pl", "Nazwa firmy");
        entity.Field(l => l.Post).Describe("Job title.").Label("en", "Position").Label("pl", "Stanowisko");
        entity.Field(l => l.StatusId).FromList(StatusList).Formerly(objectField: "status").Describe("An item of the STATUS list; NEW when left out. The success status is reached by convertLead only.").Label("pl", "Status").Stage().ShowInList();
        entity.Field(l => l.StatusDescription).NotSortable().Label("en", "Status information").Label("pl", "Informacje o statusie");
        entity.Field(l => l.SourceId).FromList("SOURCE").Formerly(objectField: "source").Label("pl", "Źródło").ShowInList();
        entity.Field(l => l.SourceDescription).NotSortable().Label("en", "Source information").Label("pl", "Informacje o źródle");
        entity.Field(l => l.Opportunity).Range(0).Describe("The expected amount, in currencyId; not negative.").Label("en", "Amount").Label("pl", "Kwota");
        entity.Field(l => l.CurrencyId).Currency().Describe("ISO 4217 code of the amount.").Label("en", "Currency").Label("pl", "Waluta");
        entity.Field(l => l.AssignedById).ReferencesUser("assignedBy").Describe("The user responsible for the lead.").Label("en", "Responsible").Label("pl", "Odpowiedzialny").ShowInList();
        entity.Field(l => l.Opened).Label("en", "Available to everyone").Label("pl", "Dostępny dla wszystkich");
        entity.Field(l => l.Comments).NotSortable().Label("en", "Comment").Label("pl", "Komentarz");
        entity.Field(l => l.Birthdate).Label("en", "Date of birth").Label("pl", "Data urodzenia");
        entity.Address(l => l.Address).Label("pl", "Adres");
        entity.Field(l => l.UtmSource).Label("en", "UTM source").Label("pl", "UTM Source");
        entity.Field(l => l.UtmMedium).Label("en", "UTM medium").Label("pl", "UTM Medium");
        entity.Field(l => l.UtmCampaign).Label("en", "UTM campaign").Label("pl", "UTM Campaign");
        entity.Field(l => l.UtmContent).Label("en", "UTM content").Label("pl", "UTM Content");
        entity.Field(l => l.UtmTerm).Label("en", "UTM term").Label("pl", "UTM Term");
        entity.ContactPoints(l => l.Phones, ContactPointKind.Phone).Label("en", "Phone").Label("pl", "Telefon");
        entity.ContactPoints(l => l.Emails, ContactPointKind.Email).Label("en", "E-mail").Label("pl", "E-mail");
        entity.ContactPoints(l => l.Webs, ContactPointKind.Web).Label("en", "Website").Label("pl", "Strona internetowa");
        entity.ContactPoints(l => l.Ims, ContactPointKind.Im).Label("en", "Messenger").Label("pl", "Komunikator");
        entity.Field(l => l.ContactId).References("contact", "contact").WithBackReference("leads").ReadOnly().Describe("The contact the lead became; set by convertLead.").Label("pl", "Kontakt");
        entity.Field(l => l.CompanyId).References("company", "company").WithBackReference("leads").ReadOnly().Describe("The company the lead became; set by convertLead.").Label("pl", "Firma");
        entity.Field(l => l.DealId).References("deal", "deal").WithBackReference("leads").ReadOnly().Describe("The deal the lead became; set by convertLead.").Label("pl", "Deal");
        entity.AuditFields();
    }

    protected override async Task ApplyInputAsync(MutationContext<Lead, LeadsDbContext> mutation)
    {
        var lead = mutation.Record;
        if (string.IsNullOrWhiteSpace(lead.Title))
        {
            var person = string.Join(' ', new[] { lead.Name, lead.LastName }.Where(p => !string.IsNullOrWhiteSpace(p)));
            lead.Title = person.Length > 0 ? person : !string.IsNullOrWhiteSpace(lead.CompanyTitle) ? lead.CompanyTitle! : "Lead";
            lead.Title = lead.Title[..Math.Min(lead.Title.Length, 255)];
        }

        if (mutation.IsCreate && string.IsNullOrEmpty(lead.StatusId))
        {
            lead.StatusId = "NEW";
        }

        if (mutation.Input.ContainsKey("statusId"))
        {
            var statuses = await mutation.Services.GetRequiredService<ISelectionLists>().GetItemsAsync(StatusList, mutation.CancellationToken);
            if (statuses.FirstOrDefault(s => s.Id == lead.StatusId) is { Semantics: ListItemSemantics.Success })
            {
                mutation.AddError(ErrorCodes.Validation, "A lead reaches its success status by conversion: use convertLead.", "statusId");
            }
        }
    }
}
