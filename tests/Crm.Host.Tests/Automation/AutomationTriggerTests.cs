using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Timeline;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// The event-driven trigger kinds matched against the events the modules really publish: created,
/// updated with watched fields, deleted, stage changed from and to, converted; each only for its record type.
/// </summary>
public abstract class AutomationTriggerTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    /// <summary>Whether a rule on <paramref name="ruleType"/> with the trigger and these parameters (validated as a save does) fires on each of the events.</summary>
    private async Task<List<bool>> FiresAsync(string trigger, string ruleType, object parameters, IReadOnlyList<DomainEvent<CrmEvent>> events)
    {
        var kind = Host.Services.GetRequiredService<AutomationCatalog>().FindTrigger(trigger)!;
        using var scope = Host.Services.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
        var errors = new List<Crm.PluginSdk.GraphQL.UserError>();
        var recordType = ParameterValidator.EntityTypeOf(scope.ServiceProvider, ruleType)!;
        var taken = await ParameterValidator.ValidateAsync(scope.ServiceProvider, kind, recordType, null, AutomationSteps.JsonSerializerNodes(parameters), ["trigger", "params"], errors, CancellationToken.None);
        Assert.Empty(errors);
        return events.Select(e => kind.EventTypes.Contains(e.Type) && kind.Matches(e, recordType.Name, taken!)).ToList();
    }

    private async Task UpdateDealAsync(string id, object input)
    {
        var payload = (await Host.QueryAsync("mutation($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { errors { code } } }", new { id, input })).ShouldSucceed();
        Assert.Empty(payload.Data!["updateDeal"]!["errors"]!.AsArray());
    }

    [Fact]
    public async Task Created_updated_with_watched_fields_and_deleted_fire_on_their_events_and_type_only()
    {
        var id = await Host.CreateDealAsync(new { title = "Watched" });
        await UpdateDealAsync(id, new { title = "Watched, renamed" });
        await UpdateDealAsync(id, new { opportunity = 500m });
        (await Host.QueryAsync("mutation($id: ID!) { deleteDeal(id: $id) { errors { code } } }", new { id })).ShouldSucceed();
        await Host.DeliverAsync();
        var events = fixture.Events.About("deal", id);
        Assert.Equal(["record.created", "record.updated", "record.updated", "record.deleted"], events.Select(e => e.Type));

        Assert.Equal([true, false, false, false], await FiresAsync("records.created", "deal", new { }, events));
        Assert.Equal([false, false, false, false], await FiresAsync("records.created", "contact", new { }, events));
        Assert.Equal([false, true, true, false], await FiresAsync("records.updated", "deal", new { }, events));
        Assert.Equal([false, true, false, false], await FiresAsync("records.updated", "deal", new { watchedFields = new[] { "title" } }, events));
        Assert.Equal([false, false, true, false], await FiresAsync("records.updated", "deal", new { watchedFields = new[] { "opportunity", "stageId" } }, events));
        Assert.Equal([false, false, false, true], await FiresAsync("records.deleted", "deal", new { }, events));
    }

    [Fact]
    public async Task Stage_changed_fires_from_and_to_the_stages_it_names_and_converted_on_a_conversion()
    {
        var id = await Host.CreateDealAsync(new { title = "Staged" });
        await UpdateDealAsync(id, new { stageId = "PREPARATION" });
        await UpdateDealAsync(id, new { stageId = "EXECUTING" });
        await Host.DeliverAsync();
        var updates = fixture.Events.About("deal", id).Where(e => e.Type == RecordUpdated.TypeName).ToList();
        Assert.Equal(2, updates.Count);
        Assert.Equal([true, true], await FiresAsync("records.stageChanged", "deal", new { }, updates));
        Assert.Equal([true, false], await FiresAsync("records.stageChanged", "deal", new { toStageId = "PREPARATION" }, updates));
        Assert.Equal([false, true], await FiresAsync("records.stageChanged", "deal", new { fromStageId = "PREPARATION", toStageId = "EXECUTING" }, updates));
        Assert.Equal([false, false], await FiresAsync("records.stageChanged", "deal", new { fromStageId = "NEW", toStageId = "WON" }, updates));

        var lead = await Host.CreateLeadAsync(new { title = "To convert", name = "Ray" });
        await UpdateLeadStatusAsync(lead, "IN_PROCESS");
        (await Host.RunActionAsync("leads.convert", "lead", lead, "1", new { createContact = true, createDeal = false })).ShouldSucceed();
        await Host.DeliverAsync();
        var leadEvents = fixture.Events.About("lead", lead);
        var converted = await FiresAsync("leads.converted", "lead", new { }, leadEvents);
        Assert.Equal([LeadConverted.TypeName], leadEvents.Where((_, i) => converted[i]).Select(e => e.Type));
        // A lead's status is its stage: set by hand, then by the conversion.
        Assert.Equal(1, (await FiresAsync("records.stageChanged", "lead", new { toStageId = "IN_PROCESS" }, leadEvents)).Count(f => f));
        Assert.Equal(1, (await FiresAsync("records.stageChanged", "lead", new { fromStageId = "IN_PROCESS", toStageId = "CONVERTED" }, leadEvents)).Count(f => f));

        // The conversion's events came from an automation run, as whoever reads them can tell.
        var conversion = Assert.Single(leadEvents, e => e.Type == LeadConverted.TypeName);
        Assert.Equal(new ChangeOrigin(ActorKind.Automation, "automation:rule:7:v2"), conversion.Origin);
        Assert.True(AutomationChannel.TryParse(conversion.Origin.Via, out var rule, out var version));
        Assert.Equal((7L, 2, 1L), (rule, version, conversion.ActorId!.Value));
    }

    private async Task UpdateLeadStatusAsync(string id, string statusId) =>
        (await Host.QueryAsync("mutation($id: ID!, $s: String!) { updateLead(id: $id, input: { statusId: $s }) { errors { code } } }", new { id, s = statusId })).ShouldSucceed();
}

[Trait("Engine", "Sqlite")]
public sealed class AutomationTriggerTestsOnSqlite(AutomationSqliteHost fixture) : AutomationTriggerTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class AutomationTriggerTestsOnPostgres(AutomationPostgresHost fixture) : AutomationTriggerTests(fixture), IClassFixture<AutomationPostgresHost>;
