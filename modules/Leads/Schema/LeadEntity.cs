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
        entity.PermissionsPartitionedBy(l => l.StatusId);
        entity.Field(l => l.Title).Describe("Made from the name or company title when left out.");
        entity.Field(l => l.Honorific, "honorificId").FromList("HONORIFIC").Formerly("honorific").Describe("Form of address, an item of the HONORIFIC list.");
        entity.Field(l => l.Name);
        entity.Field(l => l.SecondName);
        entity.Field(l => l.LastName);
        entity.Field(l => l.CompanyTitle).Describe("The name of the lead's company.");
        entity.Field(l => l.Post).Describe("Job title.");
        entity.Field(l => l.StatusId).FromList(StatusList).Formerly(objectField: "status").Describe("An item of the STATUS list; NEW when left out. The success status is reached by convertLead only.");
        entity.Field(l => l.StatusDescription).NotSortable();
        entity.Field(l => l.SourceId).FromList("SOURCE").Formerly(objectField: "source");
        entity.Field(l => l.SourceDescription).NotSortable();
        entity.Field(l => l.Opportunity).Range(0).Describe("The expected amount, in currencyId; not negative.");
        entity.Field(l => l.CurrencyId);
        entity.Field(l => l.AssignedById).ReferencesUser("assignedBy").Describe("The user responsible for the lead.");
        entity.Field(l => l.Opened);
        entity.Field(l => l.Comments).NotSortable();
        entity.Field(l => l.Birthdate);
        entity.Address(l => l.Address);
        entity.Field(l => l.UtmSource);
        entity.Field(l => l.UtmMedium);
        entity.Field(l => l.UtmCampaign);
        entity.Field(l => l.UtmContent);
        entity.Field(l => l.UtmTerm);
        entity.ContactPoints(l => l.Phones, ContactPointKind.Phone);
        entity.ContactPoints(l => l.Emails, ContactPointKind.Email);
        entity.ContactPoints(l => l.Webs, ContactPointKind.Web);
        entity.ContactPoints(l => l.Ims, ContactPointKind.Im);
        entity.Field(l => l.ContactId).References("contact", "contact").WithBackReference("leads").ReadOnly().Describe("The contact the lead became; set by convertLead.");
        entity.Field(l => l.CompanyId).References("company", "company").WithBackReference("leads").ReadOnly().Describe("The company the lead became; set by convertLead.");
        entity.Field(l => l.DealId).References("deal", "deal").WithBackReference("leads").ReadOnly().Describe("The deal the lead became; set by convertLead.");
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
