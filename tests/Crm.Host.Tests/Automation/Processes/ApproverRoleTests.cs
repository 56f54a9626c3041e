using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// Approval steps that name roles (everyone holding one when the step starts, however the role
/// reaches them: directly, through a department and its subdepartments, through a group) and the
/// responsible's department head; at most 50 resolved, none or more failing the step by name.
/// </summary>
public abstract class ApproverRoleTests(AutomationHost fixture)
{
    private const string ApprovalFields = "id status assignees { userId decision }";

    private CrmHost Host => fixture.Host;

    /// <summary>start → approval ("ok") → approved: comments "approved" | rejected: comments "rejected" → end.</summary>
    private static object Approving(object approval) => Graph(
        [Step("start", "start"), Step("ok", "approval", approval), SetComments("yes", "approved"), SetComments("no", "rejected"), Step("end", "end")],
        [Edge("start", "ok"), Edge("ok", "yes", "approved"), Edge("ok", "no", "rejected"), Edge("yes", "end"), Edge("no", "end")]);

    private Task<string> ProcessAsync(string mode, object approval) => Host.ActiveProcessAsync(new { name = $"Approve by role ({mode})", graph = Approving(approval) });

    private Task<JsonNode> DecideAsync(string approvalId, string decision, string key) =>
        Host.MutateAsync("completeApproval", $"mutation($id: ID!, $d: ProcessApprovalDecision!) {{ completeApproval(id: $id, decision: $d) {{ approval {{ {ApprovalFields} }} errors {{ code message path }} }} }}",
            new { id = approvalId, d = decision }, key);

    private static List<string> Assignees(JsonNode instance) => [.. instance["approvals"]![0]!["assignees"]!.AsArray().Select(a => a!["userId"].Str())];

    /// <summary>A role held by three people three ways: given to one, to the department above another's, to a group of the third's.</summary>
    private async Task<(string Role, List<(string Id, string Key)> Holders)> RoleOfThreeAsync()
    {
        var role = await Host.CreateRoleAsync("Head of sales", []);
        var top = await Host.CreateDepartmentAsync(Records.NewMarker("Sales"));
        var below = await Host.CreateDepartmentAsync(Records.NewMarker("Sales East"), top);
        var direct = await Host.NewUserWithKeyAsync("direct");
        var inDepartment = await Host.NewUserWithKeyAsync("below", below);
        var inGroup = await Host.NewUserWithKeyAsync("grouped");
        (await Host.AssignAsync(role, userId: direct.Id)).Ok();
        (await Host.AssignAsync(role, departmentId: top, sub: true)).Ok();
        (await Host.AssignAsync(role, groupId: await Host.CreateGroupAsync(Records.NewMarker("Approvers"), inGroup.Id))).Ok();
        return (role, [(direct.Id, direct.Key), (inDepartment.Id, inDepartment.Key), (inGroup.Id, inGroup.Key)]);
    }

    [Theory]
    [InlineData("ANY", new[] { "REJECT" }, "rejected")]
    [InlineData("ALL", new[] { "APPROVE", "APPROVE", "APPROVE" }, "approved")]
    [InlineData("ALL", new[] { "APPROVE", "REJECT" }, "rejected")]
    [InlineData("MAJORITY", new[] { "APPROVE", "REJECT", "APPROVE" }, "approved")]
    [InlineData("MAJORITY", new[] { "REJECT", "APPROVE", "REJECT" }, "rejected")]
    public async Task A_roles_holders_when_the_step_starts_are_its_assignees_and_the_mode_decides_over_them(string mode, string[] votes, string outcome)
    {
        var (role, holders) = await RoleOfThreeAsync();
        var process = await ProcessAsync(mode, new { mode, roles = new[] { long.Parse(role) } });
        var deal = await Host.CreateDealAsync(new { title = "Discount by role" });
        var instance = (await Host.StartAsync(process, deal)).Ok()["instance"]!;
        Assert.Equal("WAITING", instance["status"].Str());
        Assert.Equal(holders.Select(h => h.Id).Order(), Assignees(instance).Order());

        // Whoever gets the role later is not asked: the assignees are those of the moment the step started.
        var late = await Host.NewUserWithKeyAsync("late");
        (await Host.AssignAsync(role, userId: late.Id)).Ok();
        var approval = instance["approvals"]![0]!["id"].Str();
        Assert.Equal("NOT_FOUND", (await DecideAsync(approval, "APPROVE", late.Key))["errors"]![0]!["code"].Str());

        for (var i = 0; i < votes.Length; i++)
        {
            var decided = (await DecideAsync(approval, votes[i], holders[i].Key)).Ok()["approval"]!;
            Assert.Equal(i == votes.Length - 1 ? outcome.ToUpperInvariant() : "OPEN", decided["status"].Str());
        }

        Assert.Equal("COMPLETED", (await Host.InstanceAsync(deal, instance["id"].Str()))["status"].Str());
        Assert.Equal(outcome, await Host.CommentsAsync(deal));
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task Resolving_a_role_of_twelve_reads_as_much_as_a_role_of_one()
    {
        async Task<int> StatementsAsync(int holders)
        {
            var role = await Host.CreateRoleAsync("Approvers", []);
            var members = new List<string>();
            for (var i = 0; i < holders; i++)
            {
                members.Add(await Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("holder"), name = "holder" }));
            }

            (await Host.AssignAsync(role, groupId: await Host.CreateGroupAsync(Records.NewMarker("Holders"), [.. members]))).Ok();
            var process = await ProcessAsync("ALL", new { mode = "ALL", roles = new[] { long.Parse(role) } });
            var deal = await Host.CreateDealAsync(new { title = "Counted" });
            var started = await Host.QueryAsync(
                $"mutation($p: ID!, $r: ID!) {{ startProcess(processId: $p, recordId: $r) {{ instance {{ {InstanceFields} }} errors {{ code message path }} }} }}", new { p = process, r = deal });
            Assert.Equal(holders, started.ShouldSucceed().Data!["startProcess"]!["instance"]!["approvals"]![0]!["assignees"]!.AsArray().Count);
            await Host.DeactivateProcessAsync(process);
            return started.Statements;
        }

        // The resolution reads the same whatever the count; the eleven more assignee rows are one batched command
        // on PostgreSQL and eleven statements on SQLite (which runs a batch's statements one by one).
        Assert.Equal(await StatementsAsync(1) + (Host.Engine == Engine.Sqlite ? 11 : 0), await StatementsAsync(12));
    }

    [Fact]
    public async Task The_responsibles_department_head_is_asked_and_a_head_responsible_is_asked_of_the_head_above()
    {
        var boss = await Host.NewUserWithKeyAsync("boss");
        var lead = await Host.NewUserWithKeyAsync("lead");
        var top = (await Host.MutateAsync("createDepartment", "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } errors { code message path } } }",
            new { input = new { name = Records.NewMarker("Sales"), headId = boss.Id } })).Ok()["department"]!["id"].Str();
        var team = (await Host.MutateAsync("createDepartment", "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } errors { code message path } } }",
            new { input = new { name = Records.NewMarker("Team"), parentId = top, headId = lead.Id } })).Ok()["department"]!["id"].Str();
        var seller = await Host.NewUserWithKeyAsync("seller", team);
        (await Host.MutateAsync("updateUser", "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { errors { code message path } } }",
            new { id = lead.Id, input = new { departmentIds = new[] { team } } })).Ok();
        var process = await ProcessAsync("ANY", new { mode = "ANY", departmentHead = true });

        var sold = await Host.CreateDealAsync(new { title = "By the seller", assignedById = seller.Id });
        Assert.Equal([lead.Id], Assignees((await Host.StartAsync(process, sold)).Ok()["instance"]!));
        var led = await Host.CreateDealAsync(new { title = "By the lead", assignedById = lead.Id });
        Assert.Equal([boss.Id], Assignees((await Host.StartAsync(process, led)).Ok()["instance"]!));
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task Roles_are_bounded_when_saved_and_a_role_held_by_more_than_fifty_or_by_no_one_fails_the_step_by_name()
    {
        var refused = await Host.CreateAsync(new { name = "Too many roles", graph = Approving(new { roles = Enumerable.Range(1, 100).ToArray() }) });
        Assert.Equal("LIMIT_EXCEEDED", refused["errors"]![0]!["code"].Str());
        Assert.Contains("roles", refused["errors"]![0]!["path"]!.AsArray().Select(p => p!.ToString()));
        var unknown = await Host.CreateAsync(new { name = "No such role", graph = Approving(new { roles = new[] { 987654321L } }) });
        Assert.Equal("INVALID_VALUE", unknown["errors"]![0]!["code"].Str());
        var nobody = await Host.CreateAsync(new { name = "No one", graph = Approving(new { mode = "ANY" }) });
        Assert.Equal("LIMIT_EXCEEDED", nobody["errors"]![0]!["code"].Str());

        var crowd = await Host.CreateRoleAsync("Everyone", []);
        var members = new List<string>();
        for (var i = 0; i < 51; i++)
        {
            members.Add(await Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("crowd"), name = "crowd" }));
        }

        (await Host.AssignAsync(crowd, groupId: await Host.CreateGroupAsync(Records.NewMarker("Crowd"), [.. members]))).Ok();
        var empty = await Host.CreateRoleAsync("Vacant", []);
        foreach (var (role, reason) in new[] { (crowd, "APPROVERS_LIMIT"), (empty, "NO_APPROVERS") })
        {
            var process = await Host.ActiveProcessAsync(new { name = reason, graph = Approving(new { roles = new[] { long.Parse(role) } }) });
            var instance = (await Host.StartAsync(process, await Host.CreateDealAsync(new { title = reason }))).Ok()["instance"]!;
            Assert.Equal("FAILED", instance["status"].Str());
            Assert.StartsWith($"{reason}: step 'ok'", instance["error"].Str(), StringComparison.Ordinal);
            Assert.Empty(instance["approvals"]!.AsArray());
            await Host.DeactivateProcessAsync(process);
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ApproverRoleOnSqlite(AutomationSqliteHost fixture) : ApproverRoleTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ApproverRoleOnPostgres(AutomationPostgresHost fixture) : ApproverRoleTests(fixture), IClassFixture<AutomationPostgresHost>;
