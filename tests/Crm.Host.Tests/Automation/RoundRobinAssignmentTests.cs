using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// <c>records.assignRoundRobin</c>: a record goes to the next user of a set (chosen users, a
/// department's or a role's active people) by a durable counter that parallel runs advance once
/// each; disabled users are skipped, an empty or oversized set fails the step with its reason, a dry
/// run gives its turn back, and the parameters are refused when the rule is saved.
/// </summary>
public abstract class RoundRobinAssignmentTests(AutomationHost fixture)
{
    private const string Kind = "records.assignRoundRobin";
    private const string Start = "mutation($ruleId: ID!, $recordId: ID!) { startAutomationRule(ruleId: $ruleId, recordId: $recordId) { run { id status error steps } errors { code message path } } }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static long Id(string id) => long.Parse(id, CultureInfo.InvariantCulture);

    private Task<string> PersonAsync(string name, params string[] departmentIds) =>
        Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("rr"), name, departmentIds });

    private async Task DisableAsync(string userId) =>
        (await Host.MutateAsync("updateUser", "mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { errors { code message path } } }", new { id = userId })).Ok();

    private async Task<string> AssigneeAsync(string dealId) =>
        Str((await Host.QueryAsync("query($id: ID!) { deal(id: $id) { assignedById } }", new { id = dealId })).ShouldSucceed().Data!["deal"]!["assignedById"]);

    private async Task<long> TurnAsync(string queue) =>
        Convert.ToInt64((await Host.QueryRowsAsync($"SELECT turn FROM {Host.Table("automation", "round_robin_turns")} WHERE queue = @p0", queue)).SingleOrDefault()?["turn"] ?? 0L, CultureInfo.InvariantCulture);

    private async Task<string> ManualRuleAsync(object parameters)
    {
        var id = Str((await Host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Round robin", trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = Kind, @params = parameters } } } })).Ok()["rule"]!["id"]);
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        return id;
    }

    [Fact]
    public async Task Twenty_parallel_runs_take_twenty_consecutive_turns_and_share_the_department_evenly()
    {
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Senior team"));
        var team = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            team.Add(await PersonAsync($"Senior {i}", department));
        }

        var queue = Records.NewMarker("senior").ToLowerInvariant().Replace(' ', '-');
        var rule = await ManualRuleAsync(new { departmentId = Id(department), queue });
        var deals = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            deals.Add(await Host.CreateDealAsync(new { title = $"Web lead {i}" }));
        }

        var runs = await Task.WhenAll(deals.Select(deal => Host.MutateAsync("startAutomationRule", Start, new { ruleId = rule, recordId = deal })));

        var turns = runs.Select(r => r.Ok()["run"]!).Select(run =>
        {
            Assert.True(Str(run["status"]) == "SUCCEEDED", run.ToJsonString());
            return run["steps"]!.AsArray().Single()!["output"]!["turn"]!.GetValue<long>();
        }).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(n => (long)n), turns);
        Assert.Equal(20, await TurnAsync($"queue:{queue}"));
        var assignees = new List<string>();
        foreach (var deal in deals)
        {
            assignees.Add(await AssigneeAsync(deal));
        }

        Assert.All(team, user => Assert.Equal(5, assignees.Count(a => a == user)));
    }

    [Fact]
    public async Task Chosen_users_take_turns_in_their_order_the_disabled_are_skipped_and_no_one_active_fails_the_step()
    {
        var (a, b, c) = (await PersonAsync("Ann"), await PersonAsync("Bob"), await PersonAsync("Cid"));
        var deal = await Host.CreateDealAsync(new { title = "Rotating" });
        var queue = Records.NewMarker("chosen").ToLowerInvariant().Replace(' ', '-');
        var parameters = new { userIds = new[] { Id(c), Id(a), Id(b) }, queue };

        async Task<string> NextAsync()
        {
            var outcome = await Host.RunActionAsync(Kind, "deal", deal, "1", parameters);
            outcome.ShouldSucceed();
            return await AssigneeAsync(deal);
        }

        Assert.Equal([c, a, b, c], [await NextAsync(), await NextAsync(), await NextAsync(), await NextAsync()]);

        // A dry run takes no turn: its transaction, the counter's advance included, is rolled back.
        (await Host.RunActionAsync(Kind, "deal", deal, "1", parameters, dryRun: true)).ShouldSucceed();
        Assert.Equal(4, await TurnAsync($"queue:{queue}"));

        await DisableAsync(a);
        Assert.Equal([c, b, c], [await NextAsync(), await NextAsync(), await NextAsync()]); // turns 5, 6, 7 over [c, b]

        await DisableAsync(b);
        await DisableAsync(c);
        var empty = await Host.RunActionAsync(Kind, "deal", deal, "1", parameters);
        Assert.Equal(("EMPTY_USER_SET", "No one is active in the chosen users: the record was not assigned."), (empty.Code, empty.Message));
        Assert.Equal(7, await TurnAsync($"queue:{queue}"));
    }

    [Fact]
    public async Task A_department_with_or_without_its_subdepartments_and_a_role_through_users_departments_and_groups()
    {
        var top = await Host.CreateDepartmentAsync(Records.NewMarker("Sales"));
        var below = await Host.CreateDepartmentAsync(Records.NewMarker("Sales east"), top);
        var head = await PersonAsync("Head", top);
        var east = await PersonAsync("East", below);
        var gone = await PersonAsync("Gone", top);
        await DisableAsync(gone);
        var deal = await Host.CreateDealAsync(new { title = "Shared" });

        async Task<List<string>> RotationAsync(object parameters, int runs)
        {
            var seen = new List<string>();
            for (var i = 0; i < runs; i++)
            {
                (await Host.RunActionAsync(Kind, "deal", deal, "1", parameters)).ShouldSucceed();
                seen.Add(await AssigneeAsync(deal));
            }

            return seen;
        }

        Assert.Equal([head, head], await RotationAsync(new { departmentId = Id(top), queue = Records.NewMarker("top").ToLowerInvariant().Replace(' ', '-') }, 2));
        Assert.Equal([head, east, head], await RotationAsync(new { departmentId = Id(top), withSubdepartments = true, queue = Records.NewMarker("tree").ToLowerInvariant().Replace(' ', '-') }, 3));

        var direct = await PersonAsync("Direct");
        var grouped = await PersonAsync("Grouped");
        var group = await Host.CreateGroupAsync(Records.NewMarker("Closers"), grouped);
        var role = await Host.CreateRoleAsync("Senior sales", []);
        (await Host.AssignAsync(role, userId: direct)).Ok();
        (await Host.AssignAsync(role, groupId: group)).Ok();
        (await Host.AssignAsync(role, departmentId: top, sub: true)).Ok();
        var holders = new[] { head, east, direct, grouped }.OrderBy(Id).ToList();
        Assert.Equal([.. holders, holders[0]], await RotationAsync(new { roleId = Id(role), queue = Records.NewMarker("role").ToLowerInvariant().Replace(' ', '-') }, 5));

        // Without a named queue the rule keeps its own counter per set: the same set goes on where it was.
        Assert.Equal([holders[0], holders[1]], await RotationAsync(new { roleId = Id(role) }, 2));
        Assert.Equal([holders[2]], await RotationAsync(new { roleId = Id(role) }, 1));
    }

    [Fact]
    public async Task A_set_larger_than_the_bound_fails_the_step_and_parameters_are_refused_when_saved()
    {
        var limit = AutomationHost.RoundRobinMaxUsers;
        var crowd = await Host.CreateDepartmentAsync(Records.NewMarker("Crowd"));
        var people = new List<string>();
        for (var i = 0; i < limit * 10; i++)
        {
            people.Add(await PersonAsync($"Crowd {i}", crowd));
        }

        var deal = await Host.CreateDealAsync(new { title = "Too many" });
        var before = await AssigneeAsync(deal);
        var refused = await Host.RunActionAsync(Kind, "deal", deal, "1", new { departmentId = Id(crowd) });
        Assert.Equal("LIMIT_EXCEEDED", refused.Code);
        Assert.Contains($"more than {limit} active people", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await AssigneeAsync(deal));

        Assert.Equal(limit, Host.Action(Kind).Parameters.Single(p => p.Name == "userIds").MaxItems);
        (await Host.ValidateAsync(Kind, "deal", new { userIds = people.Select(Id).ToArray() })).Single("LIMIT_EXCEEDED", "actions.2.params.userIds");
        (await Host.ValidateAsync(Kind, "deal", new { })).Single("VALIDATION", "actions.2.params");
        (await Host.ValidateAsync(Kind, "deal", new { userIds = new[] { Id(people[0]) }, roleId = 1 })).Single("VALIDATION", "actions.2.params");
        (await Host.ValidateAsync(Kind, "deal", new { userIds = new[] { Id(people[0]), Id(people[0]) } })).Single("VALIDATION", "actions.2.params.userIds.1");
        (await Host.ValidateAsync(Kind, "deal", new { userIds = new[] { Id(people[0]), 987_654_321L } })).Single("NOT_FOUND", "actions.2.params.userIds.1");
        (await Host.ValidateAsync(Kind, "deal", new { userIds = Array.Empty<long>() })).Single("VALIDATION", "actions.2.params.userIds");
        (await Host.ValidateAsync(Kind, "deal", new { departmentId = 987_654_321L })).Single("NOT_FOUND", "actions.2.params.departmentId");
        (await Host.ValidateAsync(Kind, "deal", new { roleId = 987_654_321L })).Single("NOT_FOUND", "actions.2.params.roleId");
        (await Host.ValidateAsync(Kind, "deal", new { userIds = new[] { Id(people[0]) }, withSubdepartments = true })).Single("VALIDATION", "actions.2.params.withSubdepartments");
        (await Host.ValidateAsync(Kind, "deal", new { departmentId = Id(crowd), queue = "Not A Queue" })).Single("INVALID_FORMAT", "actions.2.params.queue");
        Assert.Empty(await Host.ValidateAsync(Kind, "deal", new { departmentId = Id(crowd), withSubdepartments = true, queue = "senior-team" }));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RoundRobinAssignmentOnSqlite(AutomationSqliteHost fixture) : RoundRobinAssignmentTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RoundRobinAssignmentOnPostgres(AutomationPostgresHost fixture) : RoundRobinAssignmentTests(fixture), IClassFixture<AutomationPostgresHost>;
