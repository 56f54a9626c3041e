using System.Text.Json.Nodes;
using System.Globalization;
using Crm.Modules.Deals.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Deals.Domain;

/// <summary>
/// The deal type. A deal sits on a stage of its pipeline's list; its semantics decide whether it
/// is closed, the stage's probability is the default, and every stage change is an event.
/// </summary>
public sealed class DealEntity() : CrmEntityDefinition<Deal, DealsDbContext>(Name)
{
    public new const string Name = "deal";
    public const string ContactIds = "contactIds";

    protected override void Configure(EntityBuilder<Deal> entity)
    {
        entity.Describe("An opportunity moving through the stages of a pipeline.");
        entity.Label("en", "Deal", "Deals").Label("pl", "Deal", "Deale");
        entity.PermissionsPartitionedBy(d => d.PipelineId, d => d.StageId);
        entity.Field(d => d.Title).Required().Label("pl", "Tytuł").ShowInList();
        // deals(search: "globex") finds Globex's deals, and those of its people.
        entity.SearchIncludes("company", "contacts");
        entity.Field(d => d.TypeId).FromList("DEAL_TYPE").Formerly(objectField: "type").Describe("An item of the DEAL_TYPE list.").Label("en", "Type").Label("pl", "Typ");
        entity.Field(d => d.PipelineId).AsId(allowZero: true).Describe("The pipeline; 0 is the default one. Moving a deal to another pipeline puts it on that pipeline's first stage unless a stage is given.").Label("en", "Pipeline").Label("pl", "Lejek");
        entity.Field(d => d.StageId).FromListFamily("DEAL_STAGE", d => Deal.StageListOf(((Deal)d).PipelineId)).ListReads(nameof(Deal.PipelineId)).Formerly(objectField: "stage")
            .Describe("An item of the pipeline's stage list (DEAL_STAGE, or DEAL_STAGE_n with ids Cn:...); the first stage when left out.").Label("pl", "Etap").Stage().ShowInList();
        entity.Field(d => d.Closed).ReadOnly().Describe("Won or lost: the stage's semantics is not PROCESS.").Label("pl", "Zamknięty");
        entity.Field(d => d.Probability).Range(0, 100).Describe("In percent, 0 to 100; the stage's default when left out.").Label("pl", "Prawdopodobieństwo");
        entity.Field(d => d.Opportunity).Range(0).Describe("The amount, in currencyId; not negative.").Label("en", "Amount").Label("pl", "Kwota").ShowInList();
        entity.Field(d => d.CurrencyId).Currency().Describe("ISO 4217 code of the amount.").Label("en", "Currency").Label("pl", "Waluta");
        entity.Field(d => d.BeginDate).Label("en", "Start date").Label("pl", "Data rozpoczęcia");
        entity.Field(d => d.CloseDate).Label("en", "Expected close date").Label("pl", "Przewidywana data zamknięcia");
        entity.Field(d => d.CompanyId).References("company", "company").WithBackReference("deals").Label("pl", "Firma").ShowInList();
        entity.Field(d => d.ContactId).References("contact", "contact").ReadOnly().Describe("The primary contact: the first of contactIds.").Label("pl", "Kontakt");
        entity.Field(d => d.SourceId).FromList("SOURCE").Formerly(objectField: "source").Label("pl", "Źródło");
        entity.Field(d => d.SourceDescription).NotSortable().Label("en", "Source information").Label("pl", "Informacje o źródle");
        entity.Field(d => d.AssignedById).ReferencesUser("assignedBy").Describe("The user responsible for the deal.").Label("en", "Responsible").Label("pl", "Odpowiedzialny").ShowInList();
        entity.Field(d => d.Opened).Describe("Visible to everyone allowed to see open records.").Label("en", "Available to everyone").Label("pl", "Dostępny dla wszystkich");
        entity.Field(d => d.Comments).NotSortable().Label("en", "Comment").Label("pl", "Komentarz");
        entity.Field(d => d.LeadId).References("lead", "lead").Describe("The lead the deal was converted from.").Label("pl", "Lead");
        entity.Field(d => d.UtmSource).Label("en", "UTM source").Label("pl", "UTM Source");
        entity.Field(d => d.UtmMedium).Label("en", "UTM medium").Label("pl", "UTM Medium");
        entity.Field(d => d.UtmCampaign).Label("en", "UTM campaign").Label("pl", "UTM Campaign");
        entity.Field(d => d.UtmContent).Label("en", "UTM content").Label("pl", "UTM Content");
        entity.Field(d => d.UtmTerm).Label("en", "UTM term").Label("pl", "UTM Term");
        entity.AuditFields();
        entity.InputOnly(ContactIds, InputOnlyFieldType.IdList, "The deal's contacts, primary first; replaces the current list.");
    }

    protected override IQueryable<Deal> WriteQuery(DealsDbContext db) => base.WriteQuery(db).Include(d => d.ContactLinks);

    protected override async Task ApplyInputAsync(MutationContext<Deal, DealsDbContext> mutation)
    {
        var deal = mutation.Record;
        var entry = mutation.Db.Entry(deal);
        var previousStage = mutation.IsCreate ? null : entry.Property(d => d.StageId).OriginalValue;
        var pipelineChanged = mutation.IsCreate || entry.Property(d => d.PipelineId).OriginalValue != deal.PipelineId;

        if (pipelineChanged && !await mutation.Db.Pipelines.AnyAsync(p => p.Id == deal.PipelineId, mutation.CancellationToken))
        {
            mutation.AddError(ErrorCodes.NotFound, Refusals.NoSuch("pipeline", deal.PipelineId), "pipelineId");
            return;
        }

        var stages = await mutation.Services.GetRequiredService<ISelectionLists>().GetItemsAsync(Deal.StageListOf(deal.PipelineId), mutation.CancellationToken);
        if (!mutation.Input.ContainsKey("stageId") && pipelineChanged)
        {
            deal.StageId = stages.OrderBy(s => s.Sort).FirstOrDefault()?.Id ?? "";
        }

        // An unknown stage is reported by the list check that follows; here only what it implies.
        if (stages.FirstOrDefault(s => s.Id == deal.StageId) is { } stage)
        {
            deal.StageSemantics = stage.Semantics ?? ListItemSemantics.Process;
            deal.Closed = deal.StageSemantics != ListItemSemantics.Process;
            if (deal.StageId != previousStage && !mutation.Input.ContainsKey("probability"))
            {
                deal.Probability = stage.Probability;
            }
        }

        await ApplyContactsAsync(mutation);
        if (!mutation.HasErrors && !mutation.IsCreate && previousStage != deal.StageId)
        {
            mutation.Db.Publish(new DealStageChanged(deal.Id, deal.PipelineId, previousStage ?? "", deal.StageId, deal.StageSemantics));
        }
    }

    private static async Task ApplyContactsAsync(MutationContext<Deal, DealsDbContext> mutation)
    {
        var deal = mutation.Record;
        if (await mutation.ReplaceLinksAsync(ContactIds, "contact", deal.ContactLinks, id => new DealContactLink { ContactId = id }) is { } contactIds)
        {
            deal.ContactId = contactIds.Count > 0 ? contactIds[0] : null;
        }
    }
}
