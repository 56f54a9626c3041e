using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// Approval steps: open for their assignees (<c>myApprovals</c>), decided by <c>completeApproval</c>
/// by the mode (any, all, majority), the outcome taking the matching edge; only an assignee decides,
/// once, and twenty parallel decisions count each vote once and decide once.
/// </summary>
public abstract class ApprovalTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private const string ApprovalFields = "id title status mode entityId assignees { userId decision comment }";

    private async Task<List<(string Id, string Key)>> UsersAsync(int count)
    {
        var users = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var user = await Host.NewUserWithKeyAsync("approver");
            users.Add((user.Id, user.Key));
        }

        return users;
    }

    /// <summary>start → approval → approved: comments "approved" | rejected: comments "rejected" | information: comments "more please".</summary>
    private Task<string> ApprovalProcessAsync(string mode, IEnumerable<string> assignees, bool information = false) =>
        Host.ActiveProcessAsync(new
        {
            name = $"Approve ({mode})",
            graph = Graph(
                [Step("start", "start"), Step("ok", "approval", new { mode, title = "Discount", assignees = assignees.Select(long.Parse).ToArray() }),
                 SetComments("yes", "approved"), SetComments("no", "rejected"), .. information ? new[] { SetComments("info", "more please") } : [], Step("end", "end")],
                [Edge("start", "ok"), Edge("ok", "yes", "approved"), Edge("ok", "no", "rejected"), Edge("yes", "end"), Edge("no", "end"),
                 .. information ? new[] { Edge("ok", "info", "information"), Edge("info", "end") } : []]),
        });

    private async Task<List<JsonNode>> MyApprovalsAsync(string key) =>
        (await Host.QueryAsync($"{{ myApprovals {{ {ApprovalFields} }} }}", null, key)).ShouldSucceed().Data!["myApprovals"]!.AsArray().Select(a => a!).ToList();

    private Task<JsonNode> DecideAsync(string approvalId, string decision, string key, string? comment = null) =>
        Host.MutateAsync("completeApproval", $"mutation($id: ID!, $d: ProcessApprovalDecision!, $c: String) {{ completeApproval(id: $id, decision: $d, comment: $c) {{ approval {{ {ApprovalFields} }} errors {{ code message path }} }} }}",
            new { id = approvalId, d = decision, c = comment }, key);

    /// <summary>Starts the process on a new deal; the deal, the instance and its approval's id.</summary>
    private async Task<(string Deal, string Instance, string Approval)> StartAsync(string process)
    {
        var deal = await Host.CreateDealAsync(new { title = "Discount 20%" });
        var instance = (await Host.StartAsync(process, deal)).Ok()["instance"]!;
        Assert.Equal("WAITING", instance["status"].Str());
        return (deal, instance["id"].Str(), instance["approvals"]![0]!["id"].Str());
    }

    [Theory]
    [InlineData("ANY", new[] { "REJECT" }, "rejected")]
    [InlineData("ANY", new[] { "APPROVE" }, "approved")]
    [InlineData("ALL", new[] { "APPROVE", "APPROVE", "APPROVE" }, "approved")]
    [InlineData("ALL", new[] { "APPROVE", "REJECT" }, "rejected")]
    [InlineData("MAJORITY", new[] { "APPROVE", "REJECT", "APPROVE" }, "approved")]
    [InlineData("MAJORITY", new[] { "REJECT", "APPROVE", "REJECT" }, "rejected")]
    public async Task The_mode_decides_from_the_votes_and_the_outcome_takes_its_edge(string mode, string[] votes, string outcome)
    {
        var users = await UsersAsync(3);
        var process = await ApprovalProcessAsync(mode, users.Select(u => u.Id));
        var (deal, instance, approval) = await StartAsync(process);
        Assert.Contains(await MyApprovalsAsync(users[0].Key), a => a["id"].Str() == approval);

        for (var i = 0; i < votes.Length; i++)
        {
            var decided = (await DecideAsync(approval, votes[i], users[i].Key, $"vote {i}")).Ok()["approval"]!;
            Assert.Equal(i == votes.Length - 1 ? outcome.ToUpperInvariant() : "OPEN", decided["status"].Str());
            Assert.DoesNotContain(await MyApprovalsAsync(users[i].Key), a => a["id"].Str() == approval);
        }

        var done = await Host.InstanceAsync(deal, instance);
        Assert.Equal("COMPLETED", done["status"].Str());
        var step = Assert.Single(done["steps"]!.AsArray(), s => s!["stepId"].Str() == "ok" && s["status"].Str() == "SUCCEEDED")!;
        Assert.Equal(outcome, step["outcome"].Str());
        Assert.Equal(votes.Length, step["output"]!["votes"]!.AsArray().Count);
        Assert.Equal(outcome, await Host.CommentsAsync(deal));

        // Decided: the others' approvals are gone from their lists, and a late vote is refused.
        if (votes.Length < 3)
        {
            Assert.DoesNotContain(await MyApprovalsAsync(users[2].Key), a => a["id"].Str() == approval);
            Assert.Equal("INVALID_VALUE", (await DecideAsync(approval, "APPROVE", users[2].Key))["errors"]![0]!["code"].Str());
        }

        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task Only_an_assignee_decides_once_and_information_is_asked_only_where_an_edge_leads()
    {
        var users = await UsersAsync(2);
        var stranger = await Host.NewUserWithKeyAsync("stranger");
        var process = await ApprovalProcessAsync("ALL", users.Select(u => u.Id));
        var (deal, _, approval) = await StartAsync(process);

        Assert.Equal("NOT_FOUND", (await DecideAsync(approval, "APPROVE", stranger.Key))["errors"]![0]!["code"].Str());
        Assert.Empty(await MyApprovalsAsync(stranger.Key));
        Assert.Equal("INVALID_VALUE", (await DecideAsync(approval, "REQUEST_INFORMATION", users[0].Key))["errors"]![0]!["code"].Str());
        (await DecideAsync(approval, "APPROVE", users[0].Key)).Ok();
        Assert.Equal("INVALID_VALUE", (await DecideAsync(approval, "APPROVE", users[0].Key))["errors"]![0]!["code"].Str());
        Assert.Equal("TOO_LONG", (await DecideAsync(approval, "APPROVE", users[1].Key, new string('x', 20_000)))["errors"]![0]!["code"].Str());
        await Host.DeactivateProcessAsync(process);

        var asking = await ApprovalProcessAsync("ANY", users.Select(u => u.Id), information: true);
        var (other, instance, second) = await StartAsync(asking);
        Assert.Equal("INFORMATION_REQUESTED", (await DecideAsync(second, "REQUEST_INFORMATION", users[1].Key, "Which customer?")).Ok()["approval"]!["status"].Str());
        Assert.Equal("more please", await Host.CommentsAsync(other));
        Assert.Equal("COMPLETED", (await Host.InstanceAsync(other, instance))["status"].Str());
        await Host.DeactivateProcessAsync(asking);
        _ = deal;
    }

    [Fact]
    public async Task Twenty_parallel_decisions_count_each_vote_once_and_decide_once()
    {
        var users = await UsersAsync(20);
        var process = await ApprovalProcessAsync("ALL", users.Select(u => u.Id));
        var (deal, instance, approval) = await StartAsync(process);

        var answers = await Task.WhenAll(users.Select(u => DecideAsync(approval, "APPROVE", u.Key)));
        Assert.All(answers, a => a.Ok());
        Assert.Single(answers, a => a["approval"]!["status"].Str() == "APPROVED");

        var done = await Host.InstanceAsync(deal, instance);
        Assert.Equal("COMPLETED", done["status"].Str());
        Assert.Single(done["steps"]!.AsArray(), s => s!["stepId"].Str() == "yes");
        Assert.Equal(20, done["approvals"]![0]!["assignees"]!.AsArray().Count(a => a!["decision"].Str() == "APPROVE"));
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task Cancelling_an_instance_cancels_its_open_approval()
    {
        var users = await UsersAsync(1);
        var process = await ApprovalProcessAsync("ANY", users.Select(u => u.Id));
        var (_, instance, approval) = await StartAsync(process);
        (await Host.MutateAsync("cancelProcess", "mutation($id: ID!) { cancelProcess(id: $id) { errors { code message } } }", new { id = instance })).Ok();
        Assert.Empty(await MyApprovalsAsync(users[0].Key));
        Assert.Equal("INVALID_VALUE", (await DecideAsync(approval, "APPROVE", users[0].Key))["errors"]![0]!["code"].Str());
        await Host.DeactivateProcessAsync(process);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ApprovalOnSqlite(AutomationSqliteHost fixture) : ApprovalTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ApprovalOnPostgres(AutomationPostgresHost fixture) : ApprovalTests(fixture), IClassFixture<AutomationPostgresHost>;
