using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.BulkActions;

/// <summary>
/// Bulk actions as jobs: fields set on ids and on a filter through the type's own update, a record
/// the owner may not change refused with its reason while the rest are done, deletion across pages,
/// the bounds refused before a job is stored, and a resumed job that skips what its checkpoint covers.
/// </summary>
public abstract partial class BulkUpdateTests(BulkActionsHost fixture)
{
    private const string Start = "mutation($t: CrmEntityType!, $ids: [ID!], $w: JSON, $a: BulkActionInput!) { bulkUpdate(entityType: $t, ids: $ids, where: $w, action: $a) { job { id state } errors { code message path } } }";

    private CrmHost Host => fixture.Host;

    /// <summary>A user who reads every deal and changes and deletes at <paramref name="level"/>.</summary>
    private async Task<(string Id, string Key)> UserAsync(string level = "ALL")
    {
        var role = await Host.CreateRoleAsync("bulk", [
            new { entityType = "DEAL", action = "READ", level = "ALL" },
            new { entityType = "DEAL", action = "UPDATE", level },
            new { entityType = "DEAL", action = "DELETE", level },
        ]);
        var (id, _, key) = await Host.NewUserWithKeyAsync("bulk");
        (await Host.AssignAsync(role, userId: id)).Ok();
        return (id, key);
    }

    private async Task<JsonNode> BulkAsync(string key, object action, string[]? ids = null, object? where = null) =>
        (await Host.QueryAsync(Start, new { t = "DEAL", ids, w = where, a = action }, key)).ShouldSucceed().Data!["bulkUpdate"]!;

    private async Task<string> StartedAsync(string key, object action, string[]? ids = null, object? where = null) =>
        (await BulkAsync(key, action, ids, where)).Ok()["job"]!["id"]!.GetValue<string>();

    private async Task<JsonNode> CountsAsync(string job, string key) =>
        (await Host.QueryAsync("query($id: ID!) { job(id: $id) { state counts } }", new { id = job }, key)).ShouldSucceed().Data!["job"]!;

    private async Task<Dictionary<string, (decimal Opportunity, string? AssignedBy)>> DealsAsync(string marker)
    {
        var nodes = (await Host.QueryAsync("query($m: String) { deals(where: { title: { startsWith: $m } }, first: 50) { edges { node { id opportunity assignedById } } } }", new { m = marker }))
            .ShouldSucceed().Data!["deals"]!["edges"]!.AsArray();
        return nodes.ToDictionary(e => e!["node"]!["id"]!.GetValue<string>(),
            e => (e!["node"]!["opportunity"]!.GetValue<decimal>(), e["node"]!["assignedById"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Fields_are_set_on_the_ids_named_and_on_every_record_a_filter_matches()
    {
        var marker = Records.NewMarker("set");
        var (_, key) = await UserAsync();
        var (other, _) = await UserAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await Host.CreateDealAsync(new { title = $"{marker} {i}", opportunity = 1m }));
        }

        var named = await StartedAsync(key, new { kind = "SET_FIELDS", fields = new { opportunity = 20 } }, [ids[0], ids[2]]);
        await Host.RunJobsAsync();
        Assert.Equal(("SUCCEEDED", 2L, 0L), Outcome(await CountsAsync(named, key)));
        Assert.Equal([20m, 1m, 20m, 1m, 1m], (await DealsAsync(marker)).OrderBy(d => long.Parse(d.Key, CultureInfo.InvariantCulture)).Select(d => d.Value.Opportunity));

        // Five records over three pages of two; a custom field and a list field set with the built-in one.
        var note = (await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("BULK"), type = "STRING", label = "Note" }))["fieldName"]!.GetValue<string>();
        var filtered = await StartedAsync(key, new { kind = "SET_FIELDS", fields = new Dictionary<string, object> { ["opportunity"] = 70, ["sourceId"] = "WEB", [note] = "bulk" } },
            where: new { title = new { startsWith = marker } });
        var assigned = await StartedAsync(key, new { kind = "ASSIGN", userId = other }, [ids[4]]);
        await Host.RunJobsAsync();
        Assert.Equal(("SUCCEEDED", 5L, 0L), Outcome(await CountsAsync(filtered, key)));
        Assert.Equal(("SUCCEEDED", 1L, 0L), Outcome(await CountsAsync(assigned, key)));
        var deals = await DealsAsync(marker);
        Assert.All(deals.Values, d => Assert.Equal(70m, d.Opportunity));
        Assert.Equal(other, deals[ids[4]].AssignedBy);
        var set = (await Host.QueryAsync($"query($m: String) {{ deals(where: {{ title: {{ startsWith: $m }} }}, first: 50) {{ edges {{ node {{ sourceId {note} }} }} }} }}", new { m = marker }))
            .ShouldSucceed().Data!["deals"]!["edges"]!.AsArray();
        Assert.All(set, e => Assert.Equal(("WEB", "bulk"), (e!["node"]!["sourceId"]!.GetValue<string>(), e["node"]![note]!.GetValue<string>())));
    }

    [Fact]
    public async Task A_record_the_owner_may_not_change_is_refused_with_its_reason_and_the_rest_are_done()
    {
        var marker = Records.NewMarker("own");
        var (me, key) = await UserAsync("OWN");
        var (someoneElse, _) = await UserAsync();
        var mine = await Host.CreateDealAsync(new { title = $"{marker} mine", opportunity = 1m, assignedById = me });
        var theirs = await Host.CreateDealAsync(new { title = $"{marker} theirs", opportunity = 1m, assignedById = someoneElse });
        var alsoMine = await Host.CreateDealAsync(new { title = $"{marker} also mine", opportunity = 1m, assignedById = me });

        var job = await StartedAsync(key, new { kind = "SET_FIELDS", fields = new { opportunity = 5 } }, [mine, theirs, alsoMine]);
        await Host.RunJobsAsync();

        Assert.Equal(("SUCCEEDED", 2L, 1L), Outcome(await CountsAsync(job, key)));
        var deals = await DealsAsync(marker);
        Assert.Equal((5m, 1m, 5m), (deals[mine].Opportunity, deals[theirs].Opportunity, deals[alsoMine].Opportunity));
        var result = JsonNode.Parse(await Host.FileOfAsync(job, key))!;
        var refusal = Assert.Single(result["refusals"]!.AsArray())!;
        Assert.Equal((long.Parse(theirs, CultureInfo.InvariantCulture), "FORBIDDEN"), (refusal["id"]!.GetValue<long>(), refusal["code"]!.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(refusal["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Delete_removes_every_record_a_saved_view_and_a_filter_match_across_pages()
    {
        var marker = Records.NewMarker("del");
        var (_, key) = await UserAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await Host.CreateDealAsync(new { title = $"{marker} {i}", opportunity = i * 10m, currencyId = "PLN" }));
        }

        var view = (await Host.MutateAsync("createView", "mutation($input: CreateViewInput!) { createView(input: $input) { view { id } errors { code message path } } }",
            new { input = new { entityType = "deal", name = "Bulk", columns = new object[] { new { field = "title" } }, filter = new { title = new { startsWith = marker } } } }, key))
            .Ok()["view"]!["id"]!.GetValue<string>();
        var started = (await Host.QueryAsync("mutation($v: ID, $w: JSON) { bulkUpdate(entityType: DEAL, viewId: $v, where: $w, action: { kind: DELETE }) { job { id } errors { code message } } }",
            new { v = view, w = new { opportunity = new { gt = 15 } } }, key)).ShouldSucceed().Data!["bulkUpdate"]!.Ok();
        var job = started["job"]!["id"]!.GetValue<string>();
        await Host.RunJobsAsync();

        // Five records over three pages of two.
        Assert.Equal(("SUCCEEDED", 5L, 0L), Outcome(await CountsAsync(job, key)));
        Assert.Equal(ids[..2].Order(StringComparer.Ordinal), (await DealsAsync(marker)).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Ten_times_the_bounds_are_refused_before_a_job_is_stored()
    {
        var marker = Records.NewMarker("bounds");
        var (_, key) = await UserAsync();
        var tooManyIds = Enumerable.Range(1, BulkActionsHost.MaxIds * 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var tooManyFields = Enumerable.Range(0, BulkActionsHost.MaxFields * 10).ToDictionary(i => $"f{i}", _ => (object)1);
        for (var i = 0; i <= BulkActionsHost.MaxRecords; i++)
        {
            await Host.CreateDealAsync(new { title = $"{marker} {i}" });
        }

        Assert.Equal("LIMIT_EXCEEDED", (await BulkAsync(key, new { kind = "DELETE" }, tooManyIds)).ErrorCode());
        Assert.Equal("LIMIT_EXCEEDED", (await BulkAsync(key, new { kind = "SET_FIELDS", fields = tooManyFields }, ["1"])).ErrorCode());
        Assert.Equal("LIMIT_EXCEEDED", (await BulkAsync(key, new { kind = "DELETE" }, where: new { title = new { startsWith = marker } })).ErrorCode());
        Assert.Equal("INVALID_VALUE", (await BulkAsync(key, new { kind = "SET_FIELDS", fields = new { noSuchField = 1 } }, ["1"])).ErrorCode());
        Assert.Equal("REQUIRED", (await BulkAsync(key, new { kind = "DELETE" })).ErrorCode());
        Assert.Empty((await Host.QueryAsync("{ myJobs { id } }", apiKey: key)).ShouldSucceed().Data!["myJobs"]!.AsArray());
        Assert.Equal(BulkActionsHost.MaxRecords + 1, (await DealsAsync(marker)).Count);
    }

    [Fact]
    public async Task A_resumed_job_goes_on_after_its_checkpoint_and_applies_each_record_once()
    {
        var marker = Records.NewMarker("resume");
        var (_, key) = await UserAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await Host.CreateDealAsync(new { title = $"{marker} {i}", opportunity = 1m }));
        }

        // As if a run had applied the first two records and died before the third.
        var job = await StartedAsync(key, new { kind = "SET_FIELDS", fields = new { opportunity = 9 } }, [.. ids]);
        var checkpoint = $"{{\"position\":{{\"after\":null,\"total\":4}},\"lastId\":{ids[1]},\"done\":2,\"refused\":0,\"refusals\":[]}}";
        await Host.QueryRowsAsync($"UPDATE {Host.Table("platform", "jobs")} SET checkpoint = @p0 WHERE id = @p1", checkpoint, long.Parse(job, CultureInfo.InvariantCulture));
        await Host.RunJobsAsync();

        Assert.Equal(("SUCCEEDED", 4L, 0L), Outcome(await CountsAsync(job, key)));
        var deals = await DealsAsync(marker);
        Assert.Equal([1m, 1m, 9m, 9m], ids.Select(id => deals[id].Opportunity));
    }

    private static (string State, long Done, long Refused) Outcome(JsonNode job) =>
        (job["state"]!.GetValue<string>(), job["counts"]!["done"]!.GetValue<long>(), job["counts"]!["refused"]!.GetValue<long>());
}

/// <summary>A jobs host with small bulk action bounds and pages, so that a few records cross pages and limits.</summary>
public abstract class BulkActionsHost(Engine engine) : JobsHost(engine)
{
    public const int MaxIds = 5;
    public const int MaxFields = 3;
    public const int MaxRecords = 6;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(SettingsFor(FilesPath))
    {
        ["BulkActions:PageSize"] = "2",
        ["BulkActions:MaxIds"] = MaxIds.ToString(CultureInfo.InvariantCulture),
        ["BulkActions:MaxFields"] = MaxFields.ToString(CultureInfo.InvariantCulture),
        ["BulkActions:MaxRecords"] = MaxRecords.ToString(CultureInfo.InvariantCulture),
    };
}

public sealed class BulkActionsSqliteHost() : BulkActionsHost(Engine.Sqlite);

public sealed class BulkActionsPostgresHost() : BulkActionsHost(Engine.Postgres);

[Trait("Engine", "Sqlite")]
public sealed class BulkUpdateOnSqlite(BulkActionsSqliteHost fixture) : BulkUpdateTests(fixture), IClassFixture<BulkActionsSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class BulkUpdateOnPostgres(BulkActionsPostgresHost fixture) : BulkUpdateTests(fixture), IClassFixture<BulkActionsPostgresHost>;
