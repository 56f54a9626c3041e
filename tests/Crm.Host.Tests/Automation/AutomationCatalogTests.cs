using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// <c>automationCatalog</c>: every trigger and action kind of the platform, the modules and a plugin,
/// with its parameter schema and record types, for the settings right only.
/// </summary>
public abstract class AutomationCatalogTests(AutomationHost fixture)
{
    private const string CatalogQuery =
        "{ automationCatalog { "
        + "triggers { name description firing eventTypes appliesTo parameters { name type description required default allowedValues maxLength maxItems minimum maximum recordTypeFrom } } "
        + "actions { name description hasExternalEffects appliesTo parameters { name type description required default allowedValues maxLength maxItems minimum maximum recordTypeFrom } } } }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private async Task<(Dictionary<string, JsonObject> Triggers, Dictionary<string, JsonObject> Actions)> CatalogAsync()
    {
        var catalog = (await Host.QueryAsync(CatalogQuery)).ShouldSucceed().Data!["automationCatalog"]!;
        return (catalog["triggers"]!.AsArray().ToDictionary(t => Str(t!["name"]), t => t!.AsObject()),
                catalog["actions"]!.AsArray().ToDictionary(a => Str(a!["name"]), a => a!.AsObject()));
    }

    [Fact]
    public async Task The_catalog_lists_every_kind_of_the_platform_and_the_modules_with_its_parameters()
    {
        var (triggers, actions) = await CatalogAsync();
        Assert.Equal(
            ["leads.converted", "platform.manual", "platform.webhook", "records.created", "records.deleted", "records.stageChanged", "records.updated", "schedule.cron", "schedule.dateField"],
            triggers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["activities.create", "leads.convert", "platform.callWebhook", "platform.script", "records.assign", "records.assignRoundRobin", "records.changeStage", "records.create", "records.setFields", "sample_plugin.offerQuote", "timeline.addComment", "timeline.notify"],
            actions.Keys.Order(StringComparer.Ordinal));

        // Event-driven triggers name their events; the others none.
        Assert.Equal(("EVENT", "record.updated"), (Str(triggers["records.stageChanged"]["firing"]), Str(triggers["records.stageChanged"]["eventTypes"]![0])));
        Assert.Equal(("EVENT", "lead.converted"), (Str(triggers["leads.converted"]["firing"]), Str(triggers["leads.converted"]["eventTypes"]![0])));
        Assert.Equal(("SCHEDULE", 0), (Str(triggers["schedule.cron"]["firing"]), triggers["schedule.cron"]["eventTypes"]!.AsArray().Count));
        Assert.Equal("MANUAL", Str(triggers["platform.manual"]["firing"]));
        Assert.Equal("WEBHOOK", Str(triggers["platform.webhook"]["firing"]));

        // Record types: stage changes only where there is a stage or status; conversion only for leads.
        Assert.Equal(["DEAL", "LEAD", "QUOTE"], triggers["records.stageChanged"]["appliesTo"]!.AsArray().Select(Str).Order(StringComparer.Ordinal));
        Assert.Equal(["LEAD"], actions["leads.convert"]["appliesTo"]!.AsArray().Select(Str));
        Assert.Equal(["DEAL"], actions["sample_plugin.offerQuote"]["appliesTo"]!.AsArray().Select(Str));
        Assert.Contains("QUOTE", actions["records.setFields"]["appliesTo"]!.AsArray().Select(Str));
        Assert.DoesNotContain("ACTIVITY", actions["activities.create"]["appliesTo"]!.AsArray().Select(Str));

        // The parameter schema, as an editor reads it.
        var dateField = triggers["schedule.dateField"]["parameters"]!.AsArray().ToDictionary(p => Str(p!["name"]), p => p!.AsObject());
        Assert.Equal(["field", "offset", "direction"], dateField.Keys);
        Assert.Equal(("FIELD", true), (Str(dateField["field"]["type"]), dateField["field"]["required"]!.GetValue<bool>()));
        Assert.Equal(("DURATION", true), (Str(dateField["offset"]["type"]), dateField["offset"]["required"]!.GetValue<bool>()));
        Assert.Equal(("STRING", false, "\"AFTER\""), (Str(dateField["direction"]["type"]), dateField["direction"]["required"]!.GetValue<bool>(), Str(dateField["direction"]["default"])));
        Assert.Equal(["BEFORE", "AFTER"], dateField["direction"]["allowedValues"]!.AsArray().Select(Str));

        var create = actions["records.create"]["parameters"]!.AsArray().ToDictionary(p => Str(p!["name"]), p => p!.AsObject());
        Assert.Equal(("ENTITY_TYPE", "FIELD_VALUES", "entityType", 50), (Str(create["entityType"]["type"]), Str(create["fields"]["type"]), Str(create["fields"]["recordTypeFrom"]), create["fields"]["maxItems"]!.GetValue<int>()));
        var comment = Assert.Single(actions["timeline.addComment"]["parameters"]!.AsArray());
        Assert.Equal(("text", "TEXT", 10_000), (Str(comment!["name"]), Str(comment["type"]), comment["maxLength"]!.GetValue<int>()));
        var activity = actions["activities.create"]["parameters"]!.AsArray().ToDictionary(p => Str(p!["name"]), p => Str(p!["type"]));
        Assert.Equal(("USER", "DURATION", "STRING"), (activity["responsibleId"], activity["deadlineIn"], activity["typeId"]));
        Assert.Equal(["platform.callWebhook", "platform.script"], actions.Values.Where(a => a["hasExternalEffects"]!.GetValue<bool>()).Select(a => Str(a["name"])));
    }

    [Fact]
    public async Task A_plugin_action_kind_is_listed_with_its_parameters_like_the_platform_s()
    {
        var (_, actions) = await CatalogAsync();
        var offer = actions["sample_plugin.offerQuote"];
        Assert.Equal("Offers a draft quote for the deal.", Str(offer["description"]));
        var parameters = offer["parameters"]!.AsArray().ToDictionary(p => Str(p!["name"]), p => p!.AsObject());
        Assert.Equal(("STRING", true, 200), (Str(parameters["title"]["type"]), parameters["title"]["required"]!.GetValue<bool>(), parameters["title"]["maxLength"]!.GetValue<int>()));
        Assert.Equal(("DECIMAL", 0m, 1_000_000_000m), (Str(parameters["amount"]["type"]), parameters["amount"]["minimum"]!.GetValue<decimal>(), parameters["amount"]["maximum"]!.GetValue<decimal>()));
    }

    [Fact]
    public async Task A_user_without_the_settings_right_may_not_read_the_catalog()
    {
        var user = await Host.NewUserWithKeyAsync("au-catalog");
        var refused = await Host.QueryAsync(CatalogQuery, apiKey: user.Key);
        Assert.Equal(["FORBIDDEN"], refused.ErrorCodes);
        Assert.Contains("needs the settings right", refused.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // With a role that gives it, they may.
        var role = await Host.CreateRoleAsync("Automation editors", [], canConfigure: true);
        (await Host.AssignAsync(role, user.Id)).Ok();
        (await Host.QueryAsync(CatalogQuery, apiKey: user.Key)).ShouldSucceed();
    }
}

[Trait("Engine", "Sqlite")]
public sealed class AutomationCatalogTestsOnSqlite(AutomationSqliteHost fixture) : AutomationCatalogTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class AutomationCatalogTestsOnPostgres(AutomationPostgresHost fixture) : AutomationCatalogTests(fixture), IClassFixture<AutomationPostgresHost>;
