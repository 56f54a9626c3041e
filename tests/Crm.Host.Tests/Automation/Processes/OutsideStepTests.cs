using System.Globalization;
using System.Net;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// A step whose effect leaves the database (here a webhook call) is taken at most once: its branch is
/// marked started in a commit of its own before the call; a host cut off between the call and the
/// advance leaves the mark, and the next host fails the instance at that step instead of calling
/// again; an admin's retry takes it again. Each test has databases of its own (it restarts hosts).
/// </summary>
public abstract class OutsideStepTests(Engine engine)
{
    private const string Retry = "mutation($id: ID!) { retryProcessInstance(id: $id) { instance { id status error } errors { code message path } } }";

    private static readonly Dictionary<string, string?> Settings = new(ScheduledWorkTests.QuickScheduler)
    {
        ["Automation:Webhooks:AllowedHosts:0"] = "127.0.0.1",
        ["Automation:Webhooks:Timeout"] = "00:00:05",
    };

    private string? SqliteFolder(string connection) =>
        engine == Engine.Sqlite ? Path.GetDirectoryName(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection).DataSource) : null;

    [Fact]
    public async Task A_webhook_step_cut_off_between_its_call_and_its_advance_is_not_called_again_and_an_admins_retry_takes_it_again()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var first = new CrmHost(engine, connection, Settings);
        _ = first.Server;
        var table = first.Table("automation", "process_instances");
        string? process = null;
        string? duringCall = null;
        using var receiver = new HttpReceiver(async response =>
        {
            // While the call is under way: the branch's start is committed already (what a host cut off now leaves behind).
            duringCall ??= (await first.QueryRowsAsync($"SELECT state FROM {table} WHERE process_id = @p0", long.Parse(process!, CultureInfo.InvariantCulture)))[0]["state"] as string;
            response.StatusCode = (int)HttpStatusCode.OK;
        });
        process = await first.ActiveProcessAsync(new
        {
            name = "Tell the billing system",
            graph = Line(Step("call", "action", new { kind = "platform.callWebhook", @params = new { url = receiver.Url } }), SetComments("after", "billed")),
        });
        var deal = await first.CreateDealAsync(new { title = "Billed once" });
        var instance = (await first.StartAsync(process, deal)).Ok()["instance"]!;
        Assert.Equal("COMPLETED", instance["status"].Str());
        Assert.Single(receiver.Received);
        Assert.Contains("\"startedAt\"", duringCall, StringComparison.Ordinal);
        Assert.DoesNotContain("startedAt", instance["position"]!.ToJsonString(), StringComparison.Ordinal);

        // The host dies after the call and before the advance commits: the instance as the first commit left it,
        // held by no live host (a starting host's sweep takes it at once).
        var id = instance["id"].Str();
        await first.QueryRowsAsync($"UPDATE {table} SET status = 'Running', state = @p0, finished_at = NULL WHERE id = @p1", duringCall!, long.Parse(id, CultureInfo.InvariantCulture));
        await first.DisposeAsync();

        await using var second = new CrmHost(engine, connection, Settings, SqliteFolder(connection));
        _ = second.Server;
        await ScheduledWorkTests.EventuallyAsync(async () => (await second.InstanceAsync(deal, id))["status"].Str() == "FAILED", "the next host failed the cut-off step");
        var failed = await second.InstanceAsync(deal, id);
        Assert.StartsWith("INTERRUPTED: step 'call'", failed["error"].Str(), StringComparison.Ordinal);
        Assert.Single(receiver.Received);
        Assert.Single(failed["steps"]!.AsArray(), s => s!["stepId"].Str() == "call" && s["status"].Str() == "FAILED");

        // Only a FAILED instance is retried, by the settings right; the retry calls again, deliberately.
        var clerk = await second.NewUserWithKeyAsync("clerk");
        Assert.Equal("FORBIDDEN", (await second.MutateAsync("retryProcessInstance", Retry, new { id }, clerk.Key))["errors"]![0]!["code"].Str());
        Assert.Equal("COMPLETED", (await second.MutateAsync("retryProcessInstance", Retry, new { id })).Ok()["instance"]!["status"].Str());
        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(2, (await second.InstanceAsync(deal, id))["steps"]!.AsArray().Count(s => s!["stepId"].Str() == "after"));
        Assert.Equal("INVALID_VALUE", (await second.MutateAsync("retryProcessInstance", Retry, new { id }))["errors"]![0]!["code"].Str());
    }

    [Fact]
    public async Task Twenty_parallel_retries_of_a_failed_webhook_step_call_it_once_per_retry_that_was_taken()
    {
        await using var host = await CrmHost.StartAsync(engine, Settings);
        using var receiver = new HttpReceiver(response =>
        {
            response.StatusCode = (int)HttpStatusCode.InternalServerError;
            return Task.CompletedTask;
        });
        var process = await host.ActiveProcessAsync(new { name = "Always refused", graph = Line(Step("call", "action", new { kind = "platform.callWebhook", @params = new { url = receiver.Url } })) });
        var deal = await host.CreateDealAsync(new { title = "Refused" });
        var id = (await host.StartAsync(process, deal)).Ok()["instance"]!["id"].Str();
        Assert.Equal("FAILED", (await host.InstanceAsync(deal, id))["status"].Str());
        Assert.Single(receiver.Received);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => host.MutateAsync("retryProcessInstance", Retry, new { id })));
        var taken = answers.Count(a => a["errors"]!.AsArray().Count == 0);
        Assert.InRange(taken, 1, 20);
        Assert.All(answers.Where(a => a["errors"]!.AsArray().Count > 0), a => Assert.Contains(a["errors"]![0]!["code"].Str(), new[] { "CONFLICT", "INVALID_VALUE" }));
        Assert.Equal(1 + taken, receiver.Received.Count);
        Assert.Equal(taken + 1, (await host.InstanceAsync(deal, id))["steps"]!.AsArray().Count(s => s!["stepId"].Str() == "call" && s["status"].Str() == "FAILED"));
        Assert.Equal("FAILED", (await host.InstanceAsync(deal, id))["status"].Str());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class OutsideStepOnSqlite() : OutsideStepTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class OutsideStepOnPostgres() : OutsideStepTests(Engine.Postgres);
