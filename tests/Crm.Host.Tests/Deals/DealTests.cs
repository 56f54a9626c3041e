using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Deals;

public abstract class DealTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<System.Text.Json.Nodes.JsonNode> DealAsync(string id, string selection = "title pipelineId stageId closed probability opportunity stage { id name semantics }") =>
        (await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ {selection} }} }}", new { id })).ShouldSucceed().Data!["deal"]!;

    [Fact]
    public async Task A_new_deal_starts_on_the_first_stage_with_its_probability()
    {
        var id = await Host.CreateDealAsync(new { title = "First", opportunity = 1500.5m, currencyId = "EUR" });
        var deal = await DealAsync(id);
        Assert.Equal("0", deal["pipelineId"]!.GetValue<string>());
        Assert.Equal("NEW", deal["stageId"]!.GetValue<string>());
        Assert.Equal(10, deal["probability"]!.GetValue<int>());
        Assert.False(deal["closed"]!.GetValue<bool>());
        Assert.Equal("PROCESS", deal["stage"]!["semantics"]!.GetValue<string>());
        Assert.Equal(1500.5m, deal["opportunity"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Closed_follows_the_stage_and_every_stage_change_is_an_event()
    {
        var id = await Host.CreateDealAsync(new { title = "Closing" });
        var won = (await Host.QueryAsync("mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"WON\" }) { deal { closed probability stage { semantics } } errors { code } } }", new { id })).ShouldSucceed();
        Assert.True(won.Data!["updateDeal"]!["deal"]!["closed"]!.GetValue<bool>());
        Assert.Equal(100, won.Data!["updateDeal"]!["deal"]!["probability"]!.GetValue<int>());

        var reopened = (await Host.QueryAsync("mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"EXECUTING\", probability: 55 }) { deal { closed probability } errors { code } } }", new { id })).ShouldSucceed();
        Assert.False(reopened.Data!["updateDeal"]!["deal"]!["closed"]!.GetValue<bool>());
        Assert.Equal(55, reopened.Data!["updateDeal"]!["deal"]!["probability"]!.GetValue<int>());

        var events = await Host.QueryRowsAsync(
            $"SELECT payload FROM {Host.Table("deals", "outbox")} WHERE kind = 'deal.stageChanged' AND entity_id = @p0 ORDER BY id", long.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, events.Count);
        var moved = JsonNode.Parse((string)events[0]["payload"]!)!["data"]!;
        Assert.Equal("NEW", moved["from"]!.GetValue<string>());
        Assert.Equal("WON", moved["to"]!.GetValue<string>());
        Assert.Equal("SUCCESS", moved["semantics"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_stage_of_another_pipeline_is_refused()
    {
        var refused = (await Host.QueryAsync("mutation { createDeal(input: { title: \"Bad stage\", stageId: \"NOPE\" }) { deal { id } errors { code path } } }")).ShouldSucceed();
        Assert.Equal("INVALID_VALUE", refused.Data!["createDeal"]!["errors"]![0]!["code"]!.GetValue<string>());
        var noPipeline = (await Host.QueryAsync("mutation { createDeal(input: { title: \"Bad pipeline\", pipelineId: \"999\" }) { deal { id } errors { code path } } }")).ShouldSucceed();
        Assert.Equal("NOT_FOUND", noPipeline.Data!["createDeal"]!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pipelines_are_created_with_their_stages_and_deals_move_between_them()
    {
        var created = (await Host.QueryAsync("mutation { createPipeline(input: { name: \"Enterprise\" }) { pipeline { id name isDefault stageListId stages { id semantics } } errors { code } } }")).ShouldSucceed();
        var pipeline = created.Data!["createPipeline"]!["pipeline"]!;
        var pipelineId = pipeline["id"]!.GetValue<string>();
        var prefix = $"C{pipelineId}:";
        Assert.Equal($"DEAL_STAGE_{pipelineId}", pipeline["stageListId"]!.GetValue<string>());
        Assert.Equal([prefix + "NEW", prefix + "PREPARATION", prefix + "PREPAYMENT_INVOICE", prefix + "EXECUTING", prefix + "FINAL_INVOICE", prefix + "WON", prefix + "LOSE"],
            pipeline["stages"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));

        var deal = await Host.CreateDealAsync(new { title = "Mover" });
        var moved = (await Host.QueryAsync("mutation($id: ID!, $p: ID!) { updateDeal(id: $id, input: { pipelineId: $p }) { deal { pipelineId stageId } errors { code } } }", new { id = deal, p = pipelineId })).ShouldSucceed();
        Assert.Equal(prefix + "NEW", moved.Data!["updateDeal"]!["deal"]!["stageId"]!.GetValue<string>());

        var wrongStage = (await Host.QueryAsync("mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"WON\" }) { errors { code path } } }", new { id = deal })).ShouldSucceed();
        Assert.Equal("INVALID_VALUE", wrongStage.Data!["updateDeal"]!["errors"]![0]!["code"]!.GetValue<string>());

        var added = (await Host.QueryAsync("mutation($p: ID!) { addPipelineStage(pipelineId: $p, input: { name: \"Negotiation\", probability: 70 }) { stage { id probability } errors { code path } } }", new { p = pipelineId })).ShouldSucceed();
        Assert.Equal(prefix + "NEGOTIATION", added.Data!["addPipelineStage"]!["stage"]!["id"]!.GetValue<string>());

        var inUse = (await Host.QueryAsync("mutation($p: ID!) { deletePipeline(id: $p) { deletedId errors { code } } }", new { p = pipelineId })).ShouldSucceed();
        Assert.Equal("IN_USE", inUse.Data!["deletePipeline"]!["errors"]![0]!["code"]!.GetValue<string>());

        var removeStage = (await Host.QueryAsync("mutation($p: ID!, $s: String!, $to: String!) { removePipelineStage(pipelineId: $p, id: $s, moveTo: $to) { movedDeals errors { code } } }",
            new { p = pipelineId, s = prefix + "NEW", to = prefix + "NEGOTIATION" })).ShouldSucceed();
        Assert.Equal("VALIDATION", removeStage.Data!["removePipelineStage"]!["errors"]![0]!["code"]!.GetValue<string>()); // NEW is a system stage

        (await Host.QueryAsync("mutation($id: ID!) { updateDeal(id: $id, input: { pipelineId: \"0\" }) { errors { code } } }", new { id = deal })).ShouldSucceed();
        var deleted = (await Host.QueryAsync("mutation($p: ID!) { deletePipeline(id: $p) { deletedId errors { code } } }", new { p = pipelineId })).ShouldSucceed();
        Assert.Equal(pipelineId, deleted.Data!["deletePipeline"]!["deletedId"]!.GetValue<string>());
        var gone = await Host.QueryAsync("query($l: String!) { selectionList(entityId: $l) { items { id } } }", new { l = $"DEAL_STAGE_{pipelineId}" });
        Assert.Equal(["NOT_FOUND"], gone.ErrorCodes);

        var second = (await Host.QueryAsync("mutation { createPipeline(input: { name: \"Partners\" }) { pipeline { id } errors { code } } }")).ShouldSucceed()
            .Data!["createPipeline"]!["pipeline"]!["id"]!.GetValue<string>();
        var all = Records.Ids((await Host.QueryAsync("{ pipelines { id } }")).ShouldSucceed().Data!["pipelines"]).ToList();
        var reversed = Enumerable.Reverse(all).ToList();
        var reorder = (await Host.QueryAsync("mutation($ids: [ID!]!) { reorderPipelines(ids: $ids) { code } }", new { ids = reversed })).ShouldSucceed();
        Assert.Empty(reorder.Data!["reorderPipelines"]!.AsArray());
        Assert.Equal(reversed, Records.Ids((await Host.QueryAsync("{ pipelines { id } }")).ShouldSucceed().Data!["pipelines"]));
        var incomplete = (await Host.QueryAsync("mutation($ids: [ID!]!) { reorderPipelines(ids: $ids) { code } }", new { ids = new[] { second } })).ShouldSucceed();
        Assert.Equal("INVALID_VALUE", incomplete.Data!["reorderPipelines"]![0]!["code"]!.GetValue<string>());
        (await Host.QueryAsync("mutation($p: ID!) { deletePipeline(id: $p) { errors { code } } }", new { p = second })).ShouldSucceed();

        var defaultPipeline = (await Host.QueryAsync("mutation { deletePipeline(id: \"0\") { errors { code } } }")).ShouldSucceed();
        Assert.Equal("VALIDATION", defaultPipeline.Data!["deletePipeline"]!["errors"]![0]!["code"]!.GetValue<string>());
    }

    private const string DeletePipeline = "mutation($p: ID!) { deletePipeline(id: $p) { deletedId errors { code } } }";

    private async Task<string> NewPipelineAsync(string name) =>
        (await Host.QueryAsync("mutation($n: String!) { createPipeline(input: { name: $n }) { pipeline { id } errors { code } } }", new { n = Records.NewMarker(name) })).ShouldSucceed()
            .Data!["createPipeline"]!["pipeline"]!["id"]!.GetValue<string>();

    [Fact]
    public async Task Twenty_admins_deleting_one_pipeline_at_once_delete_it_once()
    {
        var pipelineId = await NewPipelineAsync("Raced ");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("deletePipeline", DeletePipeline, new { p = pipelineId })));

        Assert.Single(answers, a => a["deletedId"] is not null);
        Assert.All(answers.Where(a => a["deletedId"] is null), a => Assert.Equal("NOT_FOUND", a.ErrorCode()));
        Assert.Empty(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("deals", "pipelines")} WHERE id = @p0", long.Parse(pipelineId, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_pipeline_deleted_while_deals_are_written_into_it_leaves_no_deal_behind()
    {
        for (var round = 0; round < 5; round++)
        {
            var pipelineId = await NewPipelineAsync("Contested ");
            var writes = Enumerable.Range(0, 19).Select(n => Host.MutateAsync("createDeal",
                "mutation($p: ID!, $t: String!) { createDeal(input: { title: $t, pipelineId: $p }) { deal { id } errors { code } } }", new { p = pipelineId, t = $"Contested {n}" }));
            var delete = Host.MutateAsync("deletePipeline", DeletePipeline, new { p = pipelineId });
            var answers = await Task.WhenAll(writes.Append(delete));

            var deleted = (await delete)["deletedId"] is not null;
            var id = long.Parse(pipelineId, CultureInfo.InvariantCulture);
            var pipelines = await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("deals", "pipelines")} WHERE id = @p0", id);
            var deals = await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("deals", "deals")} WHERE pipeline_id = @p0", id);
            Assert.Equal(deleted, pipelines.Count == 0);
            if (deleted)
            {
                // Every deal written into it lost the race and said so (its pipeline, or the
                // pipeline's stages, gone); none outlived it.
                Assert.Empty(deals);
                Assert.All(answers.SkipLast(1), a => Assert.Contains(a.ErrorCode(), new[] { "NOT_FOUND", "INVALID_VALUE" }));
            }
            else
            {
                Assert.Equal("IN_USE", (await delete).ErrorCode());
                Assert.Equal(answers.SkipLast(1).Count(a => a["deal"] is not null), deals.Count);
            }
        }
    }

    [Fact]
    public async Task A_deal_links_its_company_and_contacts_primary_first()
    {
        var company = await Host.CreateCompanyAsync(new { title = "Deal company" });
        var ann = await Host.CreateContactAsync(new { name = "Ann" });
        var bob = await Host.CreateContactAsync(new { name = "Bob" });
        var id = await Host.CreateDealAsync(new { title = "Linked", companyId = company, contactIds = new[] { bob, ann } });
        var deal = await DealAsync(id, "company { title } contactId contact { name } contacts { name }");
        Assert.Equal("Deal company", deal["company"]!["title"]!.GetValue<string>());
        Assert.Equal(bob, deal["contactId"]!.GetValue<string>());
        Assert.Equal(["Bob", "Ann"], deal["contacts"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));

        var fromContact = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { deals { id } } }", new { id = ann })).ShouldSucceed();
        Assert.Equal([id], Records.Ids(fromContact.Data!["contact"]!["deals"]));

        var missing = (await Host.QueryAsync("mutation { createDeal(input: { title: \"x\", companyId: \"999999\", contactIds: [\"999999\"] }) { errors { code path } } }")).ShouldSucceed();
        Assert.Equal(2, missing.Data!["createDeal"]!["errors"]!.AsArray().Count);
    }

    [Fact]
    public async Task Deals_follow_when_their_stage_changes_meaning()
    {
        var stage = "REVIEW_" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        (await Host.QueryAsync("mutation($id: String!) { addSelectionListItem(input: { entityId: \"DEAL_STAGE\", id: $id, name: \"Review\" }) { errors { code } } }", new { id = stage })).ShouldSucceed();
        var id = await Host.CreateDealAsync(new { title = "Under review", stageId = stage });
        Assert.False((await DealAsync(id))["closed"]!.GetValue<bool>());

        var changed = (await Host.QueryAsync("mutation($id: String!) { updateSelectionListItem(entityId: \"DEAL_STAGE\", id: $id, input: { semantics: FAILURE }) { item { semantics } errors { code } } }", new { id = stage })).ShouldSucceed();
        Assert.Equal("FAILURE", changed.Data!["updateSelectionListItem"]!["item"]!["semantics"]!.GetValue<string>());

        await Host.Services.GetRequiredService<Crm.Host.Events.OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None);
        var deal = await DealAsync(id);
        Assert.True(deal["closed"]!.GetValue<bool>());
        Assert.Equal("FAILURE", deal["stage"]!["semantics"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deals_filter_and_sort_on_amount_stage_and_closed()
    {
        var marker = Records.NewMarker("DealList");
        foreach (var (amount, stage) in new[] { (500m, "NEW"), (2500m, "PREPARATION"), (1200m, "WON"), (7000m, "PREPARATION") })
        {
            await Host.CreateDealAsync(new { title = marker, opportunity = amount, stageId = stage });
        }

        var response = (await Host.QueryAsync("""
            query($m: String!) {
              deals(where: { title: { eq: $m }, stageId: { in: ["NEW", "PREPARATION"] }, opportunity: { gt: 1000 } }, order: [{ opportunity: DESC }]) {
                totalCount nodes { opportunity stage { name } }
              }
              closed: deals(where: { title: { eq: $m }, closed: { eq: true } }) { totalCount }
            }
            """, new { m = marker })).ShouldSucceed();
        Assert.Equal(2, response.Data!["deals"]!["totalCount"]!.GetValue<int>());
        Assert.Equal([7000m, 2500m], response.Data!["deals"]!["nodes"]!.AsArray().Select(n => n!["opportunity"]!.GetValue<decimal>()));
        Assert.Equal(1, response.Data!["closed"]!["totalCount"]!.GetValue<int>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class DealsOnSqlite(SqliteHost fixture) : DealTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DealsOnPostgres(PostgresHost fixture) : DealTests(fixture), IClassFixture<PostgresHost>;

public abstract class ReferenceReadTests(HostFixture fixture)
{
    public const string ReferenceRead = """
        query($first: Int!, $m: String!) {
          deals(first: $first, where: { title: { startsWith: $m }, stageId: { in: ["PREPARATION", "EXECUTING"] }, opportunity: { gt: 1000 } }, order: [{ opportunity: DESC }]) {
            totalCount
            nodes { id title opportunity stage { name } contact { name lastName emails { value } } company { title } }
          }
        }
        """;

    [Fact]
    public async Task The_reference_read_costs_the_same_statements_for_5_or_30_deals()
    {
        var host = fixture.Host;
        var marker = Records.NewMarker("Ref");
        var companies = new List<string>();
        var contacts = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            companies.Add(await host.CreateCompanyAsync(new { title = $"{marker} company {i}" }));
            contacts.Add(await host.CreateContactAsync(new { name = $"{marker} {i}", emails = new[] { new { value = $"c{i}@example.com", valueType = "WORK" } } }));
        }

        var stages = new[] { "PREPARATION", "EXECUTING", "NEW", "WON" };
        for (var i = 0; i < 40; i++)
        {
            await host.CreateDealAsync(new { title = $"{marker} {i:00}", opportunity = 500m + (i * 100), stageId = stages[i % 4], companyId = companies[i % 4], contactIds = new[] { contacts[i % 4], contacts[(i + 1) % 4] } });
        }

        // Selection lists are kept across requests: a first read fills that cache, so that both
        // measured reads find the stage list there.
        (await host.QueryAsync(ReferenceRead, new { first = 1, m = marker })).ShouldSucceed();
        var five = (await host.QueryAsync(ReferenceRead, new { first = 5, m = marker })).ShouldSucceed();
        var thirty = (await host.QueryAsync(ReferenceRead, new { first = 30, m = marker })).ShouldSucceed();

        // In the two stages (i % 4 is 0 or 1) with opportunity over 1,000 (i > 5): i = 8, 9, 12, 13 ... 36, 37.
        Assert.Equal(16, thirty.Data!["deals"]!["totalCount"]!.GetValue<int>());
        var nodes = thirty.Data!["deals"]!["nodes"]!.AsArray();
        Assert.Equal(16, nodes.Count);
        Assert.Equal(4200m, nodes[0]!["opportunity"]!.GetValue<decimal>());
        Assert.All(nodes, n => Assert.NotNull(n!["company"]!["title"]));
        Assert.All(nodes, n => Assert.NotEmpty(n!["contact"]!["emails"]!.AsArray()));
        Assert.Contains(nodes, n => n!["stage"]!["name"]!.GetValue<string>() == "Document preparation");
        // count, page, primary contacts, companies (the stage list comes from the cache)
        Assert.Equal(4, thirty.Statements);
        Assert.Equal(five.Statements, thirty.Statements);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ReferenceReadOnSqlite(SqliteHost fixture) : ReferenceReadTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ReferenceReadOnPostgres(PostgresHost fixture) : ReferenceReadTests(fixture), IClassFixture<PostgresHost>;
