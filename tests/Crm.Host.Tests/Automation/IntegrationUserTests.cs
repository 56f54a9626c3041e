using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// A rule that names no run-as user runs as the platform's automation user: one INTEGRATION user,
/// made once however many ask at once, whose rights are its role's (read, add and update every
/// record type; no delete, export, import or settings), which an administrator may narrow.
/// </summary>
public abstract class IntegrationUserTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    [Fact]
    public async Task Twenty_callers_at_once_get_one_integration_user_with_one_role_and_log_no_error()
    {
        fixture.Errors.Entries.Clear();
        var key = $"race-{Guid.NewGuid():N}"[..20];
        var scopes = Host.Services.GetRequiredService<IServiceScopeFactory>();
        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IIntegrationUsers>().EnsureAsync(key, $"Race {key}", CancellationToken.None);
        }));

        var id = Assert.Single(ids.Distinct());
        Assert.Empty(fixture.Errors.Entries); // the callers that lost the race found the e-mail taken: no refused insert
        var user = (await Host.QueryAsync("query($id: ID!) { user(id: $id) { email kind isAdministrator hasPassword active } }", new { id = id.ToString(System.Globalization.CultureInfo.InvariantCulture) })).ShouldSucceed().Data!["user"]!;
        Assert.Equal(($"{key}@integration.invalid", "INTEGRATION", false, false, true),
            (Str(user["email"]), Str(user["kind"]), user["isAdministrator"]!.GetValue<bool>(), user["hasPassword"]!.GetValue<bool>(), user["active"]!.GetValue<bool>()));
        var roles = (await Host.QueryAsync("{ roles { name canConfigure permissions { entityType action level } assignments { userId } } }")).ShouldSucceed().Data!["roles"]!.AsArray();
        var role = Assert.Single(roles, r => Str(r!["name"]) == $"Integration: Race {key}")!;
        Assert.False(role["canConfigure"]!.GetValue<bool>());
        Assert.Equal([id.ToString(System.Globalization.CultureInfo.InvariantCulture)], role["assignments"]!.AsArray().Select(a => Str(a!["userId"])));
        var permissions = role["permissions"]!.AsArray();
        Assert.All(permissions, p => Assert.Equal("ALL", Str(p!["level"])));
        Assert.Equal(["ADD", "READ", "UPDATE"], permissions.Select(p => Str(p!["action"])).Distinct().Order());
        Assert.Contains(permissions, p => Str(p!["entityType"]) == "DEAL" && Str(p["action"]) == "UPDATE");
        Assert.Throws<ArgumentException>(() => { _ = Host.Services.GetRequiredService<IServiceScopeFactory>().CreateScope().ServiceProvider.GetRequiredService<IIntegrationUsers>().EnsureAsync("Not A Key", "x", CancellationToken.None).GetAwaiter().GetResult(); });
    }

    [Fact]
    public async Task A_rule_that_names_no_one_runs_as_the_automation_user_with_its_roles_rights()
    {
        const string create = "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id draft { runAsUserId runAs { email kind } } } errors { code message path } } }";
        var input = new { name = "As the automation user", trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "set by automation" } } } } };
        var saved = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("createAutomationRule", create, new { input })));
        var runAs = Assert.Single(saved.Select(s => Str(s.Ok()["rule"]!["draft"]!["runAsUserId"])).Distinct());
        var draft = saved[0]["rule"]!["draft"]!;
        Assert.Equal(("automation@integration.invalid", "INTEGRATION"), (Str(draft["runAs"]!["email"]), Str(draft["runAs"]!["kind"])));
        Assert.NotEqual("1", runAs);

        var rule = Str(saved[0]["rule"]!["id"]);
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }", new { id = rule })).Ok();
        var deal = await Host.CreateDealAsync(new { title = "Someone else's" });
        const string start = "mutation($ruleId: ID!, $recordId: ID!) { startAutomationRule(ruleId: $ruleId, recordId: $recordId) { run { status runAsUserId error } errors { code message } } }";
        var run = (await Host.MutateAsync("startAutomationRule", start, new { ruleId = rule, recordId = deal })).Ok()["run"]!;
        Assert.Equal(("SUCCEEDED", runAs), (Str(run["status"]), Str(run["runAsUserId"])));

        // Its rights are its role's: without UPDATE on deals, its next run is refused.
        var roleId = Str((await Host.QueryAsync("{ roles { id name } }")).ShouldSucceed().Data!["roles"]!.AsArray().Single(r => Str(r!["name"]) == "Integration: Automation")!["id"]);
        (await Host.MutateAsync("updateRole", "mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { errors { code message } } }",
            new { id = roleId, input = new { permissions = new object[] { new { entityType = "DEAL", action = "READ", level = "ALL" } } } })).Ok();
        try
        {
            var refused = (await Host.MutateAsync("startAutomationRule", start, new { ruleId = rule, recordId = deal })).Ok()["run"]!;
            Assert.Equal("FAILED", Str(refused["status"]));
            Assert.StartsWith("FORBIDDEN", Str(refused["error"]), StringComparison.Ordinal);
        }
        finally
        {
            (await Host.MutateAsync("updateRole", "mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { errors { code message } } }",
                new { id = roleId, input = new { permissions = new[] { "READ", "ADD", "UPDATE" }.Select(action => new { entityType = "DEAL", action, level = "ALL" }).ToArray() } })).Ok();
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class IntegrationUserOnSqlite(AutomationSqliteHost fixture) : IntegrationUserTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class IntegrationUserOnPostgres(AutomationPostgresHost fixture) : IntegrationUserTests(fixture), IClassFixture<AutomationPostgresHost>;
