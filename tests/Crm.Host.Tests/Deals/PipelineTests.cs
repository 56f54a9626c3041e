using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Deals;

/// <summary>Pipelines and their stages edited: renamed, moved, reordered, refused when wrong (writing nothing), and only with the settings right.</summary>
public abstract class PipelineTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<string> CreatePipelineAsync(string name) =>
        (await Host.QueryAsync("mutation($name: String!) { createPipeline(input: { name: $name }) { pipeline { id } errors { code } } }", new { name }))
            .ShouldSucceed().Data!["createPipeline"]!["pipeline"]!["id"]!.GetValue<string>();

    private async Task<IReadOnlyList<string>> PipelineOrderAsync() =>
        Records.Ids((await Host.QueryAsync("{ pipelines { id } }")).ShouldSucceed().Data!["pipelines"]);

    private async Task<JsonNode> StagesAsync(string pipelineId) =>
        (await Host.QueryAsync("query($id: ID!) { pipeline(id: $id) { stages { id name sort color semantics probability system } } }", new { id = pipelineId }))
            .ShouldSucceed().Data!["pipeline"]!["stages"]!;

    private static IReadOnlyList<string> StageIds(JsonNode stages) => stages.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();

    /// <summary>A user without any role, and a key acting as them.</summary>
    private async Task<string> KeyWithoutRightsAsync()
    {
        var user = await Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("plain"), name = "Plain" });
        return await Host.CreateApiKeyAsync(user);
    }

    /// <summary>Fails, naming the case and showing the payload, unless it was refused with exactly this error (path null: any).</summary>
    private static void ShouldRefuse(JsonNode payload, string code, string? path, string what)
    {
        var errors = payload["errors"]!.AsArray().Select(e => (Code: e!["code"]!.GetValue<string>(), Path: string.Join('.', e["path"]!.AsArray().Select(p => p!.GetValue<string>())))).ToList();
        Assert.True(errors.Count == 1 && errors[0].Code == code && (path is null || errors[0].Path == path),
            $"{what}: expected only {code}{(path is null ? "" : " at " + path)}, got [{string.Join(", ", errors.Select(e => $"{e.Code} at {e.Path}"))}]: {payload.ToJsonString()}");
    }

    private const string UpdatePipeline =
        "mutation($id: ID!, $input: PipelineInput!) { updatePipeline(id: $id, input: $input) { pipeline { id name sort } errors { code message path } } }";

    [Fact]
    public async Task A_pipeline_is_renamed_and_moved_and_a_bad_update_writes_nothing()
    {
        var marker = Records.NewMarker("Pipe");
        var id = await CreatePipelineAsync($"Ops {marker}");

        var renamed = (await Host.QueryAsync(UpdatePipeline, new { id, input = new { name = $"  Operations {marker}  " } })).ShouldSucceed().Data!["updatePipeline"]!;
        Assert.Empty(renamed["errors"]!.AsArray());
        Assert.Equal($"Operations {marker}", renamed["pipeline"]!["name"]!.GetValue<string>());
        var read = (await Host.QueryAsync("query($id: ID!) { pipeline(id: $id) { name sort } }", new { id })).ShouldSucceed().Data!["pipeline"]!;
        Assert.Equal($"Operations {marker}", read["name"]!.GetValue<string>());
        var sort = read["sort"]!.GetValue<int>();

        // A sort before the default pipeline's (10) puts it first; the name stays.
        var moved = (await Host.QueryAsync(UpdatePipeline, new { id, input = new { sort = 5 } })).ShouldSucceed().Data!["updatePipeline"]!;
        Assert.Empty(moved["errors"]!.AsArray());
        Assert.True(moved["pipeline"]!["sort"]!.GetValue<int>() == 5, $"updatePipeline did not apply sort 5: {moved.ToJsonString()}");
        Assert.Equal($"Operations {marker}", moved["pipeline"]!["name"]!.GetValue<string>());
        Assert.Equal(id, (await PipelineOrderAsync())[0]);
        Assert.NotEqual(5, sort);

        var noRights = await KeyWithoutRightsAsync();
        var before = await DatabaseState.CaptureAsync(Host);
        ShouldRefuse((await Host.QueryAsync(UpdatePipeline, new { id, input = new { name = "  " } })).ShouldSucceed().Data!["updatePipeline"]!, "REQUIRED", "input.name", "a pipeline renamed to blanks");
        ShouldRefuse((await Host.QueryAsync(UpdatePipeline, new { id, input = new { name = new string('p', 101), sort = 1 } })).ShouldSucceed().Data!["updatePipeline"]!, "TOO_LONG", "input.name", "a pipeline name over 100 characters");
        ShouldRefuse((await Host.QueryAsync(UpdatePipeline, new { id = "99999", input = new { name = "Nowhere" } })).ShouldSucceed().Data!["updatePipeline"]!, "NOT_FOUND", "id", "a pipeline that does not exist");
        Assert.Equal(["INVALID_ID"], (await Host.QueryAsync(UpdatePipeline, new { id = "abc", input = new { name = "Nowhere" } })).ErrorCodes);
        var forbidden = (await Host.QueryAsync(UpdatePipeline, new { id, input = new { name = "Mine now" } }, apiKey: noRights)).ShouldSucceed();
        ShouldRefuse(forbidden.Data!["updatePipeline"]!, "FORBIDDEN", null, "a pipeline renamed without the settings right");
        await before.ShouldBeUnchangedAsync(Host, "every pipeline update was refused");
    }

    [Fact]
    public async Task Pipelines_are_reordered_only_by_a_complete_list()
    {
        var marker = Records.NewMarker("Order");
        var first = await CreatePipelineAsync($"First {marker}");
        var second = await CreatePipelineAsync($"Second {marker}");
        var order = await PipelineOrderAsync();

        var reversed = Enumerable.Reverse(order).ToList();
        Assert.Empty((await Host.QueryAsync("mutation($ids: [ID!]!) { reorderPipelines(ids: $ids) { code } }", new { ids = reversed })).ShouldSucceed().Data!["reorderPipelines"]!.AsArray());
        Assert.Equal(reversed, await PipelineOrderAsync());
        var sorts = (await Host.QueryAsync("{ pipelines { sort } }")).ShouldSucceed().Data!["pipelines"]!.AsArray().Select(p => p!["sort"]!.GetValue<int>());
        Assert.Equal(Enumerable.Range(1, reversed.Count).Select(i => i * 10), sorts);

        var noRights = await KeyWithoutRightsAsync();
        var before = await DatabaseState.CaptureAsync(Host);
        async Task<IReadOnlyList<string?>> RefusedAsync(IReadOnlyList<string> ids, string? apiKey = CrmHost.AdminKey) =>
            (await Host.QueryAsync("mutation($ids: [ID!]!) { reorderPipelines(ids: $ids) { code path } }", new { ids }, apiKey)).ShouldSucceed()
                .Data!["reorderPipelines"]!.AsArray().Select(e => e!["code"]!.GetValue<string>() + "@" + string.Join('.', e["path"]!.AsArray().Select(p => p!.GetValue<string>()))).ToList();

        Assert.Equal(["INVALID_VALUE@ids"], await RefusedAsync(order.Where(id => id != first).ToList()));
        Assert.Equal(["INVALID_VALUE@ids"], await RefusedAsync([.. order, second]));
        Assert.Equal(["INVALID_VALUE@ids"], await RefusedAsync([.. order.Where(id => id != first), "99999"]));
        Assert.Equal(["FORBIDDEN@"], (await RefusedAsync(order, noRights)).Select(e => e![..(e!.IndexOf('@') + 1)]).ToList());
        await before.ShouldBeUnchangedAsync(Host, "every reordering was refused");
        Assert.Equal(reversed, await PipelineOrderAsync());
    }

    [Fact]
    public async Task Stages_are_reordered_only_by_a_complete_list_of_their_own_pipeline()
    {
        var pipeline = await CreatePipelineAsync(Records.NewMarker("Stages"));
        var stages = StageIds(await StagesAsync(pipeline));
        var deal = await Host.CreateDealAsync(new { title = "Stays on its stage", pipelineId = pipeline, stageId = stages[2] });
        const string reorder = "mutation($p: ID!, $ids: [String!]!) { reorderPipelineStages(pipelineId: $p, ids: $ids) { code path } }";

        // The won and lost stages first, then the rest backwards.
        List<string> wanted = [stages[5], stages[6], .. stages.Take(5).Reverse()];
        Assert.Empty((await Host.QueryAsync(reorder, new { p = pipeline, ids = wanted })).ShouldSucceed().Data!["reorderPipelineStages"]!.AsArray());
        var after = await StagesAsync(pipeline);
        Assert.True(wanted.SequenceEqual(StageIds(after)), $"reorderPipelineStages did not put the stages in the order given: [{string.Join(", ", wanted)}], got {after.ToJsonString()}");
        Assert.Equal(Enumerable.Range(1, wanted.Count).Select(i => i * 10), after.AsArray().Select(s => s!["sort"]!.GetValue<int>()));
        var onStage = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { stageId } }", new { id = deal })).ShouldSucceed();
        Assert.Equal(stages[2], onStage.Data!["deal"]!["stageId"]!.GetValue<string>());

        var noRights = await KeyWithoutRightsAsync();
        var before = await DatabaseState.CaptureAsync(Host);
        async Task<string> RefusedAsync(string p, IReadOnlyList<string> ids, string? apiKey = CrmHost.AdminKey)
        {
            var response = await Host.QueryAsync(reorder, new { p, ids }, apiKey);
            return response.Errors.Count > 0
                ? string.Join(",", response.ErrorCodes)
                : string.Join(",", response.Data!["reorderPipelineStages"]!.AsArray().Select(e => e!["code"]!.GetValue<string>()));
        }

        Assert.Equal("INVALID_VALUE", await RefusedAsync(pipeline, wanted.Skip(1).ToList()));
        Assert.Equal("INVALID_VALUE", await RefusedAsync(pipeline, [.. wanted.Skip(1), wanted[1]]));
        // The default pipeline's stages are another list.
        Assert.Equal("INVALID_VALUE", await RefusedAsync(pipeline, [.. wanted.Skip(1), "NEW"]));
        Assert.Equal("NOT_FOUND", await RefusedAsync("99999", wanted));
        Assert.Equal("FORBIDDEN", await RefusedAsync(pipeline, stages, noRights));
        await before.ShouldBeUnchangedAsync(Host, "every reordering of stages was refused");
        Assert.Equal(wanted, StageIds(await StagesAsync(pipeline)));
    }

    [Fact]
    public async Task A_stage_is_updated_within_the_rules_of_its_list_and_a_refused_update_writes_nothing()
    {
        var pipeline = await CreatePipelineAsync(Records.NewMarker("Stage"));
        var prefix = $"C{pipeline}:";
        const string update = "mutation($p: ID!, $id: String!, $input: PipelineStageInput!) { updatePipelineStage(pipelineId: $p, id: $id, input: $input) { stage { id name sort color semantics probability } errors { code path } } }";
        async Task<JsonNode> UpdateAsync(string id, object input, string? apiKey = CrmHost.AdminKey) =>
            (await Host.QueryAsync(update, new { p = pipeline, id, input }, apiKey)).ShouldSucceed().Data!["updatePipelineStage"]!;

        var changed = await UpdateAsync(prefix + "PREPARATION", new { name = "Quote sent", color = "#123456", probability = 35, sort = 1 });
        Assert.Empty(changed["errors"]!.AsArray());
        var stage = changed["stage"]!;
        Assert.Equal(("Quote sent", "#123456", 35), (stage["name"]!.GetValue<string>(), stage["color"]!.GetValue<string>(), stage["probability"]!.GetValue<int>()));
        // Its new position and probability are what the pipeline and new deals see.
        Assert.Equal(prefix + "PREPARATION", StageIds(await StagesAsync(pipeline))[0]);
        var deal = await Host.CreateDealAsync(new { title = "Quoted", pipelineId = pipeline, stageId = prefix + "PREPARATION" });
        var probability = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { probability stage { name } } }", new { id = deal })).ShouldSucceed().Data!["deal"]!;
        Assert.Equal(35, probability["probability"]!.GetValue<int>());
        Assert.Equal("Quote sent", probability["stage"]!["name"]!.GetValue<string>());

        var noRights = await KeyWithoutRightsAsync();
        var refusals = new (string Stage, object Input, string Code, string? Path, string What, string? Key)[]
        {
            (prefix + "WON", new { semantics = "PROCESS" }, "VALIDATION", "input.semantics", "a system stage's semantics changed", CrmHost.AdminKey),
            (prefix + "EXECUTING", new { semantics = "SUCCESS" }, "CONFLICT", "input.semantics", "a second success stage", CrmHost.AdminKey),
            (prefix + "EXECUTING", new { probability = 101 }, "INVALID_VALUE", "input.probability", "a probability over 100", CrmHost.AdminKey),
            (prefix + "EXECUTING", new { color = "red" }, "INVALID_FORMAT", "input.color", "a colour that is not #RRGGBB", CrmHost.AdminKey),
            (prefix + "EXECUTING", new { name = "", probability = 50 }, "REQUIRED", "input.name", "a stage renamed to nothing", CrmHost.AdminKey),
            // A stage of the default pipeline is not one of this pipeline's.
            ("EXECUTING", new { name = "Elsewhere" }, "NOT_FOUND", "id", "a stage of another pipeline", CrmHost.AdminKey),
            (prefix + "EXECUTING", new { name = "Mine" }, "FORBIDDEN", null, "a stage renamed without the settings right", noRights),
        };
        foreach (var (id, input, code, path, what, key) in refusals)
        {
            var before = await DatabaseState.CaptureAsync(Host);
            ShouldRefuse(await UpdateAsync(id, input, key), code, path, what);
            await before.ShouldBeUnchangedAsync(Host, what + " was refused");
        }
    }

    [Fact]
    public async Task Twenty_stages_added_at_once_each_go_before_the_final_stages_in_a_place_of_their_own()
    {
        var pipeline = await CreatePipelineAsync(Records.NewMarker("Crowded"));
        var prefix = $"C{pipeline}:";
        var defaults = StageIds(await StagesAsync(pipeline));

        // Enough to use up the room before WON more than once, so that the list is numbered again while others add.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Host.MutateAsync("addPipelineStage",
            "mutation($p: ID!, $n: String!) { addPipelineStage(pipelineId: $p, input: { name: $n }) { stage { id } errors { code message } } }",
            new { p = pipeline, n = $"Step {i}" })));

        Assert.All(answers, a => Assert.Empty(a["errors"]!.AsArray()));
        var rows = await Host.QueryRowsAsync($"SELECT status_id, sort FROM {Host.Table("selection_lists", "items")} WHERE entity_id = @p0 ORDER BY sort, status_id", $"DEAL_STAGE_{pipeline}");
        var ids = rows.Select(r => (string)r["status_id"]!).ToList();
        Assert.Equal(defaults.Count + 20, ids.Count);
        Assert.Equal(rows.Count, rows.Select(r => Convert.ToInt32(r["sort"], System.Globalization.CultureInfo.InvariantCulture)).Distinct().Count());
        Assert.Equal(defaults.Take(defaults.Count - 2), ids.Take(defaults.Count - 2));
        Assert.Equal(answers.Select(a => a["stage"]!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal), ids.Skip(defaults.Count - 2).Take(20).Order(StringComparer.Ordinal));
        Assert.Equal([prefix + "WON", prefix + "LOSE"], ids.TakeLast(2));
    }

    [Fact]
    public async Task Ten_times_the_items_a_list_may_hold_added_at_once_stop_at_the_limit_exactly()
    {
        // A second host on the same database whose lists hold at most ten items: a new pipeline's seven stages leave room for three.
        await using var bounded = new CrmHost(Host.Engine, Host.ConnectionString, new Dictionary<string, string?> { ["SelectionLists:MaxItemsPerList"] = "10" });
        var pipeline = (await bounded.QueryAsync("mutation($name: String!) { createPipeline(input: { name: $name }) { pipeline { id } errors { code } } }", new { name = Records.NewMarker("Bounded") }))
            .ShouldSucceed().Data!["createPipeline"]!["pipeline"]!["id"]!.GetValue<string>();

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => bounded.MutateAsync("addPipelineStage",
            "mutation($p: ID!, $n: String!) { addPipelineStage(pipelineId: $p, input: { name: $n }) { stage { id } errors { code message } } }",
            new { p = pipeline, n = $"Step {i}" })));

        Assert.Equal(3, answers.Count(a => a["stage"] is not null));
        Assert.All(answers.Where(a => a["stage"] is null), a => Assert.Equal("LIMIT_EXCEEDED", a.ErrorCode()));
        Assert.Contains("at most 10 items", answers.First(a => a["stage"] is null)["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(10, (await Host.QueryRowsAsync($"SELECT status_id FROM {Host.Table("selection_lists", "items")} WHERE entity_id = @p0", $"DEAL_STAGE_{pipeline}")).Count);
    }

    [Fact]
    public async Task Twenty_pipelines_created_at_once_each_get_an_id_and_stages_of_their_own()
    {
        var marker = Records.NewMarker("Parallel");
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Host.MutateAsync("createPipeline",
            "mutation($n: String!) { createPipeline(input: { name: $n }) { pipeline { id stages { id } } errors { code } } }", new { n = $"{marker} {i}" })));

        Assert.All(answers, a => Assert.Empty(a["errors"]!.AsArray()));
        var ids = answers.Select(a => a["pipeline"]!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(20, ids.Distinct().Count());
        foreach (var (answer, id) in answers.Zip(ids))
        {
            Assert.All(StageIds(answer["pipeline"]!["stages"]!), stage => Assert.StartsWith($"C{id}:", stage, StringComparison.Ordinal));
            Assert.Equal(7, (await Host.QueryRowsAsync($"SELECT status_id FROM {Host.Table("selection_lists", "items")} WHERE entity_id = @p0", $"DEAL_STAGE_{id}")).Count);
        }
    }

    [Fact]
    public async Task A_pipeline_renamed_and_reordered_while_it_is_deleted_is_refused_as_gone_not_failed()
    {
        for (var round = 0; round < 3; round++)
        {
            var pipeline = await CreatePipelineAsync(Records.NewMarker("Vanishing"));
            var order = (await PipelineOrderAsync()).ToList();
            var renames = Enumerable.Range(0, 9).Select(i => Host.QueryAsync(
                "mutation($id: ID!, $n: String!) { updatePipeline(id: $id, input: { name: $n }) { pipeline { id } errors { code } } }", new { id = pipeline, n = $"Renamed {i}" }));
            var reorders = Enumerable.Range(0, 10).Select(_ => Host.QueryAsync(
                "mutation($ids: [ID!]!) { reorderPipelines(ids: $ids) { code } }", new { ids = order }));
            var delete = Host.QueryAsync("mutation($id: ID!) { deletePipeline(id: $id) { deletedId errors { code } } }", new { id = pipeline });
            var answers = await Task.WhenAll(renames.Concat(reorders).Append(delete));

            // No internal error: each either went before the delete or found the pipeline gone.
            Assert.All(answers, a => a.ShouldSucceed());
            Assert.NotNull((await delete).Data!["deletePipeline"]!["deletedId"]);
            foreach (var renamed in answers.Take(9).Select(a => a.Data!["updatePipeline"]!).Where(p => p["pipeline"] is null))
            {
                Assert.Equal("NOT_FOUND", renamed.ErrorCode());
            }

            foreach (var refused in answers.Skip(9).Take(10).SelectMany(a => a.Data!["reorderPipelines"]!.AsArray()))
            {
                Assert.Equal("INVALID_VALUE", refused!["code"]!.GetValue<string>());
            }
        }
    }

    [Fact]
    public async Task Ten_times_the_pipelines_a_deployment_may_have_created_at_once_stop_at_the_limit_exactly()
    {
        // A database of its own, whose host allows three pipelines: the default one leaves room for two.
        await using var bounded = await CrmHost.OnNewDatabaseAsync(Host.Engine, new Dictionary<string, string?> { ["Deals:MaxPipelines"] = "3" });

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => bounded.MutateAsync("createPipeline",
            "mutation($n: String!) { createPipeline(input: { name: $n }) { pipeline { id } errors { code message } } }", new { n = $"Bounded {i}" })));

        Assert.Equal(2, answers.Count(a => a["pipeline"] is not null));
        Assert.All(answers.Where(a => a["pipeline"] is null), a => Assert.Equal("LIMIT_EXCEEDED", a.ErrorCode()));
        Assert.Contains("at most 3 pipelines", answers.First(a => a["pipeline"] is null)["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(3, (await bounded.QueryRowsAsync($"SELECT id FROM {bounded.Table("deals", "pipelines")}")).Count);
        // No stage list of a refused pipeline was left behind.
        Assert.Equal(3, (await bounded.QueryRowsAsync($"SELECT entity_id FROM {bounded.Table("selection_lists", "lists")} WHERE entity_id LIKE 'DEAL_STAGE%'")).Count);
    }

    [Fact]
    public async Task A_pipeline_left_without_stages_gets_the_default_ones_back_at_the_next_start()
    {
        // As an earlier race left one, and the migration gave it back to its deals: a pipeline whose stage list is gone.
        var pipeline = await CreatePipelineAsync(Records.NewMarker("Restored"));
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Orphaned"), pipelineId = pipeline, stageId = $"C{pipeline}:PREPARATION" });
        var list = $"DEAL_STAGE_{pipeline}";
        await Host.QueryRowsAsync($"DELETE FROM {Host.Table("selection_lists", "items")} WHERE entity_id = @p0", list);
        await Host.QueryRowsAsync($"DELETE FROM {Host.Table("selection_lists", "lists")} WHERE entity_id = @p0", list);
        await Host.QueryRowsAsync($"DELETE FROM {Host.Table("platform", "data_migrations")} WHERE module_id = 'deals' AND migration_id = '0001-restored-pipelines-get-their-stages'");

        // The next start (here a second host on the database) gives it a new pipeline's stages, under the same ids.
        await using var restarted = new CrmHost(Host.Engine, Host.ConnectionString);
        var stages = (await restarted.QueryAsync("query($id: ID!) { pipeline(id: $id) { stages { id } } }", new { id = pipeline })).ShouldSucceed().Data!["pipeline"]!["stages"]!;
        Assert.Equal(["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE"], StageIds(stages).Select(s => s[(s.IndexOf(':', StringComparison.Ordinal) + 1)..]));
        Assert.All(StageIds(stages), s => Assert.StartsWith($"C{pipeline}:", s, StringComparison.Ordinal));
        var read = (await restarted.QueryAsync("query($id: ID!) { deal(id: $id) { stageId stageItem { name } } }", new { id = deal })).ShouldSucceed().Data!["deal"]!;
        Assert.Equal("Document preparation", read["stageItem"]!["name"]!.GetValue<string>());

        // And stages can be added to it again.
        var added = await restarted.MutateAsync("addPipelineStage", "mutation($p: ID!) { addPipelineStage(pipelineId: $p, input: { name: \"Review\" }) { stage { id } errors { code } } }", new { p = pipeline });
        Assert.Empty(added["errors"]!.AsArray());
    }

    [Fact]
    public async Task A_new_stage_in_progress_goes_before_the_final_stages()
    {
        var pipeline = await CreatePipelineAsync(Records.NewMarker("Stages"));
        var prefix = $"C{pipeline}:";
        async Task<JsonNode> AddAsync(object input) =>
            (await Host.QueryAsync("mutation($p: ID!, $input: PipelineStageInput!) { addPipelineStage(pipelineId: $p, input: $input) { stage { id sort } errors { code message path } } }",
                new { p = pipeline, input })).ShouldSucceed().Data!["addPipelineStage"]!;

        var defaults = StageIds(await StagesAsync(pipeline)).ToList();
        Assert.Equal(prefix + "WON", defaults[^2]);

        // Enough stages to use up the room between the last one in progress and WON (10 apart), so that the list is numbered again.
        var added = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var payload = await AddAsync(new { name = $"Step {i}" });
            Assert.Empty(payload["errors"]!.AsArray());
            added.Add(payload["stage"]!["id"]!.GetValue<string>());
        }

        var stages = await StagesAsync(pipeline);
        Assert.Equal([.. defaults[..^2], .. added, prefix + "WON", prefix + "LOSE"], StageIds(stages));
        var sorts = stages.AsArray().Select(s => s!["sort"]!.GetValue<int>()).ToList();
        Assert.Equal(sorts.Order(), sorts);
        Assert.Equal(sorts.Distinct().Count(), sorts.Count);

        // An explicit sort is kept; a final stage goes last.
        var first = await AddAsync(new { name = "Very first", sort = 1 });
        Assert.Equal(1, first["stage"]!["sort"]!.GetValue<int>());
        var lost = await AddAsync(new { name = "Lost to rival", semantics = "FAILURE" });
        var ids = StageIds(await StagesAsync(pipeline));
        Assert.Equal(first["stage"]!["id"]!.GetValue<string>(), ids[0]);
        Assert.Equal(lost["stage"]!["id"]!.GetValue<string>(), ids[^1]);

        var noRights = await KeyWithoutRightsAsync();
        var before = await DatabaseState.CaptureAsync(Host);
        var refused = (await Host.QueryAsync("mutation($p: ID!) { addPipelineStage(pipelineId: $p, input: { name: \"Sneaky\" }) { errors { code } } }", new { p = pipeline }, noRights))
            .ShouldSucceed().Data!["addPipelineStage"]!;
        Assert.Equal("FORBIDDEN", refused["errors"]![0]!["code"]!.GetValue<string>());
        await before.ShouldBeUnchangedAsync(Host, "a stage added without the settings right");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class PipelinesOnSqlite(SqliteHost fixture) : PipelineTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class PipelinesOnPostgres(PostgresHost fixture) : PipelineTests(fixture), IClassFixture<PostgresHost>;
