using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Automation;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// A rule's parameters checked as its save checks them: each refusal a UserError at its path
/// (<c>actions.2.params...</c>), field values by the record type's own binder (custom fields
/// included), every size bounded and ten times the bound refused.
/// </summary>
public abstract class AutomationParameterTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private IAutomationTriggerKind Trigger(string name) => Host.Services.GetRequiredService<AutomationCatalog>().FindTrigger(name)!;

    [Fact]
    public async Task Well_formed_parameters_pass_with_their_defaults_filled_in()
    {
        Assert.Empty(await Host.ValidateAsync("records.setFields", "deal", new { fields = new { title = "VIP", opportunity = 1200.5m, stageId = "WON" } }));
        Assert.Empty(await Host.ValidateAsync("records.changeStage", "lead", new { stageId = "IN_PROCESS" }));
        Assert.Empty(await Host.ValidateAsync("records.create", "deal", new { entityType = "COMPANY", fields = new { title = "Acme" } }));
        Assert.Empty(await Host.ValidateAsync("activities.create", "contact", new { subject = "Call", deadlineIn = "PT30M", responsibleId = 1 }));
        Assert.Empty(await Host.ValidateAsync(Trigger("records.stageChanged"), "deal", new { fromStageId = "NEW", toStageId = "PREPARATION" }));
        Assert.Empty(await Host.ValidateAsync(Trigger("schedule.dateField"), "deal", new { field = "closeDate", offset = "P3D" }));
        Assert.Empty(await Host.ValidateAsync(Trigger("schedule.cron"), "deal", new { cron = "0 0 9 ? * MON-FRI" }));
        Assert.Empty(await Host.ValidateAsync(Trigger("records.updated"), "deal", new { watchedFields = new[] { "title", "stageId" } }));
    }

    [Fact]
    public async Task A_wrong_type_a_missing_parameter_an_unknown_one_and_an_unknown_field_are_refused_at_their_paths()
    {
        (await Host.ValidateAsync("sample_plugin.offerQuote", "deal", new { title = 5 })).Single("INVALID_FORMAT", "actions.2.params.title");
        (await Host.ValidateAsync("sample_plugin.offerQuote", "deal", new { amount = 5 })).Single("REQUIRED", "actions.2.params.title");
        (await Host.ValidateAsync("sample_plugin.offerQuote", "deal", new { title = "x", colour = "red" })).Single("VALIDATION", "actions.2.params.colour");
        (await Host.ValidateAsync("records.setFields", "deal", new { fields = new { nonsense = 1 } })).Single("VALIDATION", "actions.2.params.fields.nonsense");
        (await Host.ValidateAsync("records.setFields", "deal", new { fields = new { title = 12 } })).Single("INVALID_FORMAT", "actions.2.params.fields.title");
        (await Host.ValidateAsync("records.setFields", "deal", new { fields = new { opportunity = -5 } })).Single("INVALID_VALUE", "actions.2.params.fields.opportunity");
        (await Host.ValidateAsync("records.setFields", "deal", new { fields = new { closeDate = "next week" } })).Single("INVALID_FORMAT", "actions.2.params.fields.closeDate");
        (await Host.ValidateAsync("records.create", "deal", new { entityType = "SPACESHIP", fields = new { } })).Single("INVALID_VALUE", "actions.2.params.entityType");
        (await Host.ValidateAsync("activities.create", "deal", new { subject = "Call", deadlineIn = "soon" })).Single("INVALID_FORMAT", "actions.2.params.deadlineIn");
        (await Host.ValidateAsync("activities.create", "deal", new { subject = "Call", deadlineIn = "P1D", deadline = "2026-12-04T17:00:00Z" })).Single("VALIDATION", "actions.2.params.deadline");
        (await Host.ValidateAsync("activities.create", "deal", new { subject = "Call", priority = "URGENT" })).Single("INVALID_VALUE", "actions.2.params.priority");
        (await Host.ValidateAsync("activities.create", "deal", new { subject = "Call", responsibleId = 999_999 })).Single("NOT_FOUND", "actions.2.params.responsibleId");
        (await Host.ValidateAsync("leads.convert", "lead", new { createContact = false, createDeal = false })).Single("VALIDATION", "actions.2.params");
        (await Host.ValidateAsync("leads.convert", "deal", new { })).Single("INVALID_VALUE", "actions.2.params");
        (await Host.ValidateAsync(Trigger("records.updated"), "deal", new { watchedFields = new[] { "title", "nothing" } })).Single("INVALID_VALUE", "actions.2.params.watchedFields.1");
        (await Host.ValidateAsync(Trigger("schedule.dateField"), "deal", new { field = "title", offset = "P1D" })).Single("INVALID_VALUE", "actions.2.params.field");
        (await Host.ValidateAsync(Trigger("schedule.cron"), "deal", new { cron = "every day" })).Single("INVALID_FORMAT", "actions.2.params.cron");
    }

    [Fact]
    public async Task A_custom_field_of_the_wrong_type_and_a_stage_that_does_not_exist_are_refused()
    {
        var budget = CustomFieldHelpers.FieldName((string)(await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("BUDGET"), type = "INTEGER", label = "Budget" }))["code"]!);
        Assert.Empty(await Host.ValidateAsync("records.setFields", "deal", new { fields = new Dictionary<string, object> { [budget] = 5000 } }));
        (await Host.ValidateAsync("records.setFields", "deal", new { fields = new Dictionary<string, object> { [budget] = "a lot" } })).Single("INVALID_FORMAT", $"actions.2.params.fields.{budget}");

        (await Host.ValidateAsync("records.changeStage", "deal", new { stageId = "MOON" })).Single("INVALID_VALUE", "actions.2.params.stageId");
        (await Host.ValidateAsync("records.setFields", "deal", new { fields = new { stageId = "MOON" } })).Single("INVALID_VALUE", "actions.2.params.fields.stageId");
        (await Host.ValidateAsync(Trigger("records.stageChanged"), "lead", new { toStageId = "MOON" })).Single("INVALID_VALUE", "actions.2.params.toStageId");
        (await Host.ValidateAsync("records.changeStage", "contact", new { stageId = "NEW" })).Single("INVALID_VALUE", "actions.2.params");
    }

    [Fact]
    public async Task Stages_are_those_of_the_pipeline_the_rule_is_scoped_to_when_checked_and_when_run()
    {
        var pipeline = (await Host.QueryAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id stages { id } } errors { code message } } }",
            new { input = new { name = Records.NewMarker("Automated pipeline") } })).ShouldSucceed().Data!["createPipeline"]!["pipeline"]!;
        var pipelineId = long.Parse((string)pipeline["id"]!, System.Globalization.CultureInfo.InvariantCulture);
        var stage = (string)pipeline["stages"]![1]!["id"]!;
        var scope = new Dictionary<string, object?> { ["pipelineId"] = pipelineId };

        Assert.Empty(await Host.ValidateAsync("records.changeStage", "deal", new { stageId = stage }, scope));
        Assert.Empty(await Host.ValidateAsync("records.setFields", "deal", new { fields = new { stageId = stage } }, scope));
        (await Host.ValidateAsync("records.changeStage", "deal", new { stageId = stage })).Single("INVALID_VALUE", "actions.2.params.stageId");
        (await Host.ValidateAsync("records.changeStage", "deal", new { stageId = "PREPARATION" }, scope)).Single("INVALID_VALUE", "actions.2.params.stageId");

        var deal = await Host.CreateDealAsync(new { title = "In another pipeline", pipelineId = pipelineId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        (await Host.RunActionAsync("records.changeStage", "deal", deal, "1", new { stageId = stage }, scope: scope)).ShouldSucceed();
        Assert.Equal(stage, (string)(await Host.QueryAsync("query($id: ID!) { deal(id: $id) { stageId } }", new { id = deal })).ShouldSucceed().Data!["deal"]!["stageId"]!);
    }

    [Fact]
    public async Task Ten_times_each_size_limit_is_refused_before_any_work()
    {
        var tooLong = new string('x', 10 * 200);
        (await Host.ValidateAsync("sample_plugin.offerQuote", "deal", new { title = tooLong })).Single("TOO_LONG", "actions.2.params.title");
        (await Host.ValidateAsync("timeline.addComment", "deal", new { text = new string('x', 10 * 10_000) })).Single("TOO_LONG", "actions.2.params.text");

        var fields = Enumerable.Range(0, 10 * ParameterValidator.DefaultMaxFieldValues).ToDictionary(i => $"f{i}", _ => (object)"x");
        (await Host.ValidateAsync("records.setFields", "deal", new { fields })).Single("LIMIT_EXCEEDED", "actions.2.params.fields");

        var watched = Enumerable.Repeat("title", 10 * 50).ToArray();
        (await Host.ValidateAsync(Trigger("records.updated"), "deal", new { watchedFields = watched })).Single("LIMIT_EXCEEDED", "actions.2.params.watchedFields");

        var parameters = Enumerable.Range(0, 10 * ParameterValidator.MaxParameters).ToDictionary(i => $"p{i}", _ => (object)1);
        (await Host.ValidateAsync("sample_plugin.offerQuote", "deal", parameters)).Single("LIMIT_EXCEEDED", "actions.2.params");

        (await Host.ValidateAsync(Trigger("schedule.dateField"), "deal", new { field = "closeDate", offset = "P3660D" })).Single("INVALID_VALUE", "actions.2.params.offset");
        (await Host.ValidateAsync("sample_plugin.offerQuote", "deal", new { title = "x", amount = 10_000_000_000m })).Single("INVALID_VALUE", "actions.2.params.amount");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class AutomationParameterTestsOnSqlite(AutomationSqliteHost fixture) : AutomationParameterTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class AutomationParameterTestsOnPostgres(AutomationPostgresHost fixture) : AutomationParameterTests(fixture), IClassFixture<AutomationPostgresHost>;
