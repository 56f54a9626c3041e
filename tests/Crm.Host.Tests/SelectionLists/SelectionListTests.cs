using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.SelectionLists;

public abstract class SelectionListTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    private async Task<string> AddSourceAsync(string id)
    {
        var added = (await Host.QueryAsync(
            "mutation($id: String!) { addSelectionListItem(input: { entityId: \"SOURCE\", id: $id, name: \"Fair\", color: \"#112233\" }) { item { id name sort color system semantics } errors { code path } } }",
            new { id })).ShouldSucceed();
        Assert.Empty(added.Data!["addSelectionListItem"]!["errors"]!.AsArray());
        return added.Data!["addSelectionListItem"]!["item"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task The_default_lists_have_Bitrix24_ids_and_semantics()
    {
        var response = (await Host.QueryAsync("{ status: selectionList(entityId: \"STATUS\") { items { id semantics system } } stages: selectionList(entityId: \"DEAL_STAGE\") { items { id semantics probability } } source: selectionList(entityId: \"SOURCE\") { items { id } } }")).ShouldSucceed();
        var statuses = response.Data!["status"]!["items"]!.AsArray();
        Assert.Equal(["NEW", "IN_PROCESS", "PROCESSED", "CONVERTED", "JUNK"], statuses.Take(5).Select(i => i!["id"]!.GetValue<string>()));
        Assert.Equal("SUCCESS", statuses.First(i => i!["id"]!.GetValue<string>() == "CONVERTED")!["semantics"]!.GetValue<string>());
        Assert.Equal("FAILURE", statuses.First(i => i!["id"]!.GetValue<string>() == "JUNK")!["semantics"]!.GetValue<string>());
        var stages = response.Data!["stages"]!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE"], stages.Take(7));
        var sources = response.Data!["source"]!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
        Assert.Subset(new HashSet<string>(sources), new HashSet<string> { "CALL", "EMAIL", "WEB", "ADVERTISING", "PARTNER", "RECOMMENDATION", "TRADE_SHOW", "WEBFORM", "CALLBACK", "STORE", "OTHER" });
    }

    [Fact]
    public async Task Fields_that_use_a_list_take_its_items_only()
    {
        var refused = (await Host.QueryAsync("mutation { createContact(input: { name: \"Lists\", sourceId: \"NOPE\", typeId: \"CLIENT\" }) { contact { id } errors { code path } } }")).ShouldSucceed();
        var error = refused.Data!["createContact"]!["errors"]![0]!;
        Assert.Equal("INVALID_VALUE", error["code"]!.GetValue<string>());
        Assert.Equal(["input", "sourceId"], error["path"]!.AsArray().Select(p => p!.GetValue<string>()));

        var created = (await Host.QueryAsync("mutation { createContact(input: { name: \"Lists\", sourceId: \"CALL\", typeId: \"CLIENT\" }) { contact { sourceId source { name } type { id } } errors { code } } }")).ShouldSucceed();
        Assert.Equal("Call", created.Data!["createContact"]!["contact"]!["source"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Items_are_added_renamed_reordered_and_refused_when_invalid()
    {
        var id = await AddSourceAsync(NewId("FAIR_"));
        var duplicate = (await Host.QueryAsync("mutation($id: String!) { addSelectionListItem(input: { entityId: \"SOURCE\", id: $id, name: \"Again\" }) { errors { code path } } }", new { id })).ShouldSucceed();
        Assert.Equal("CONFLICT", duplicate.Data!["addSelectionListItem"]!["errors"]![0]!["code"]!.GetValue<string>());

        var bad = (await Host.QueryAsync("mutation { addSelectionListItem(input: { entityId: \"SOURCE\", id: \"bad id\", name: \"\", color: \"red\", semantics: SUCCESS }) { errors { code path } } }")).ShouldSucceed();
        var paths = bad.Data!["addSelectionListItem"]!["errors"]!.AsArray().Select(e => e!["path"]![1]!.GetValue<string>()).ToList();
        Assert.Equal(["id", "name", "color", "semantics"], paths);

        var renamed = (await Host.QueryAsync("mutation($id: String!) { updateSelectionListItem(entityId: \"SOURCE\", id: $id, input: { name: \"Trade fair\" }) { item { name color } errors { code } } }", new { id })).ShouldSucceed();
        Assert.Equal("Trade fair", renamed.Data!["updateSelectionListItem"]!["item"]!["name"]!.GetValue<string>());
        Assert.Equal("#112233", renamed.Data!["updateSelectionListItem"]!["item"]!["color"]!.GetValue<string>());

        var unknownList = (await Host.QueryAsync("{ selectionList(entityId: \"NO_SUCH_LIST\") { entityId } }"));
        Assert.Equal(["NOT_FOUND"], unknownList.ErrorCodes);
    }

    [Fact]
    public async Task Twenty_admins_adding_one_item_at_once_add_it_once()
    {
        var id = NewId("RACE_");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.QueryAsync(
            "mutation($id: String!) { addSelectionListItem(input: { entityId: \"SOURCE\", id: $id, name: \"Raced\" }) { item { id } errors { code } } }", new { id })));

        var payloads = answers.Select(a => a.ShouldSucceed().Data!["addSelectionListItem"]!).ToList();
        Assert.Single(payloads, p => p["item"] is not null);
        Assert.All(payloads.Where(p => p["item"] is null), p => Assert.Equal("CONFLICT", p["errors"]![0]!["code"]!.GetValue<string>()));
        Assert.Single(await Host.QueryRowsAsync($"SELECT status_id FROM {Host.Table("selection_lists", "items")} WHERE entity_id = 'SOURCE' AND status_id = @p0", id));
    }

    [Fact]
    public async Task Items_removed_at_once_onto_each_other_leave_no_record_on_a_removed_item()
    {
        // Ten pairs, each item of a pair removed with its records moved onto the other, all twenty at once:
        // one of each pair goes, the other takes every record of the pair.
        var pairs = new List<(string A, string B, string[] Contacts)>();
        for (var i = 0; i < 10; i++)
        {
            var (a, b) = (await AddSourceAsync(NewId("PAIR_A_")), await AddSourceAsync(NewId("PAIR_B_")));
            pairs.Add((a, b, [await Host.CreateContactAsync(new { name = "Paired", sourceId = a }), await Host.CreateContactAsync(new { name = "Paired", sourceId = b })]));
        }

        const string Remove = "mutation($id: String!, $to: String!) { removeSelectionListItem(entityId: \"SOURCE\", id: $id, moveTo: $to) { removedId movedRecords errors { code } } }";
        var answers = await Task.WhenAll(pairs.SelectMany(p => new[] { (p.A, p.B), (p.B, p.A) })
            .Select(async r => (r.Item1, Payload: (await Host.QueryAsync(Remove, new { id = r.Item1, to = r.Item2 })).ShouldSucceed().Data!["removeSelectionListItem"]!)));

        var items = Host.Table("selection_lists", "items");
        foreach (var (a, b, contacts) in pairs)
        {
            var removed = answers.Where(x => x.Item1 == a || x.Item1 == b).ToList();
            var gone = Assert.Single(removed, x => x.Payload["removedId"] is not null);
            var kept = gone.Item1 == a ? b : a;
            Assert.Equal(1, gone.Payload["movedRecords"]!.GetValue<int>());
            // The other found the item it would move its records to gone, and changed nothing.
            Assert.Equal("INVALID_VALUE", Assert.Single(removed, x => x.Payload["removedId"] is null).Payload["errors"]![0]!["code"]!.GetValue<string>());
            Assert.Equal([kept], (await Host.QueryRowsAsync($"SELECT status_id FROM {items} WHERE entity_id = 'SOURCE' AND status_id IN (@p0, @p1)", a, b)).Select(r => (string)r["status_id"]!));
            foreach (var contact in contacts)
            {
                var held = (await Host.QueryRowsAsync($"SELECT source_id FROM {Host.Table("contacts", "contacts")} WHERE id = @p0", long.Parse(contact, System.Globalization.CultureInfo.InvariantCulture))).Single();
                Assert.Equal(kept, held["source_id"]);
            }
        }
    }

    [Fact]
    public async Task Removing_an_item_in_use_moves_its_records_in_the_same_change()
    {
        var id = await AddSourceAsync(NewId("GONE_"));
        var contact = (await Host.QueryAsync("mutation($s: String!) { createContact(input: { name: \"Mover\", sourceId: $s }) { contact { id } errors { code } } }", new { s = id }))
            .ShouldSucceed().Data!["createContact"]!["contact"]!["id"]!.GetValue<string>();

        var before = await DatabaseState.CaptureAsync(Host);
        var refused = (await Host.QueryAsync("mutation($id: String!) { removeSelectionListItem(entityId: \"SOURCE\", id: $id) { removedId errors { code message } } }", new { id })).ShouldSucceed();
        Assert.Equal("IN_USE", refused.Data!["removeSelectionListItem"]!["errors"]![0]!["code"]!.GetValue<string>());
        await before.ShouldBeUnchangedAsync(Host, "an item in use is removed only with moveTo");

        var removed = (await Host.QueryAsync("mutation($id: String!) { removeSelectionListItem(entityId: \"SOURCE\", id: $id, moveTo: \"OTHER\") { removedId movedRecords errors { code } } }", new { id })).ShouldSucceed();
        Assert.Equal(1, removed.Data!["removeSelectionListItem"]!["movedRecords"]!.GetValue<int>());

        var after = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { sourceId } }", new { id = contact })).ShouldSucceed();
        Assert.Equal("OTHER", after.Data!["contact"]!["sourceId"]!.GetValue<string>());

        var system = (await Host.QueryAsync("mutation { removeSelectionListItem(entityId: \"STATUS\", id: \"CONVERTED\", moveTo: \"NEW\") { errors { code } } }")).ShouldSucceed();
        Assert.Equal("VALIDATION", system.Data!["removeSelectionListItem"]!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task When_the_removal_fails_after_the_records_moved_the_move_is_undone_too()
    {
        var id = await AddSourceAsync(NewId("STUCK_"));
        await Host.CreateContactAsync(new { name = "Held", sourceId = id });
        await Host.CreateLeadAsync(new { title = "Held", sourceId = id });
        await Host.CreateDealAsync(new { title = "Held", sourceId = id });
        // The database refuses to delete this one item: the removal fails after every record moved.
        var trigger = "refuse_" + id.ToLowerInvariant();
        var items = Host.Table("selection_lists", "items");
        if (Host.Engine == Engine.Postgres)
        {
            await Host.QueryRowsAsync($"CREATE FUNCTION selection_lists.{trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'removal refused by the test'; END $$");
            await Host.QueryRowsAsync($"CREATE TRIGGER {trigger} BEFORE DELETE ON {items} FOR EACH ROW WHEN (OLD.status_id = '{id}') EXECUTE FUNCTION selection_lists.{trigger}()");
        }
        else
        {
            await Host.QueryRowsAsync($"CREATE TRIGGER {trigger} BEFORE DELETE ON {items} WHEN OLD.status_id = '{id}' BEGIN SELECT RAISE(ABORT, 'removal refused by the test'); END");
        }

        try
        {
            var before = await DatabaseState.CaptureAsync(Host);
            var failed = await Host.QueryAsync("mutation($id: String!) { removeSelectionListItem(entityId: \"SOURCE\", id: $id, moveTo: \"OTHER\") { removedId movedRecords errors { code } } }", new { id });
            Assert.Equal(["INTERNAL_SERVER_ERROR"], failed.ErrorCodes);
            // Not one record moved, and no "updated" event of a move that did not happen.
            await before.ShouldBeUnchangedAsync(Host, "moving the records and removing the item are one transaction, and the removal failed");
        }
        finally
        {
            await Host.QueryRowsAsync(Host.Engine == Engine.Postgres ? $"DROP TRIGGER {trigger} ON {items}" : $"DROP TRIGGER {trigger}");
            if (Host.Engine == Engine.Postgres)
            {
                await Host.QueryRowsAsync($"DROP FUNCTION selection_lists.{trigger}()");
            }
        }

        var removed = (await Host.QueryAsync("mutation($id: String!) { removeSelectionListItem(entityId: \"SOURCE\", id: $id, moveTo: \"OTHER\") { movedRecords errors { code } } }", new { id })).ShouldSucceed();
        Assert.Equal(3, removed.Data!["removeSelectionListItem"]!["movedRecords"]!.GetValue<int>());
    }

    [Fact]
    public async Task Decimal_revenue_is_exact_filterable_and_sortable_on_both_engines()
    {
        var marker = "Rev" + Guid.NewGuid().ToString("N")[..8];
        foreach (var revenue in new[] { "1234.5678", "99.99", "100000000.01" })
        {
            (await Host.QueryAsync("mutation($t: String!, $r: Decimal!) { createCompany(input: { title: $t, revenue: $r, currencyId: \"EUR\" }) { errors { code } } }",
                new { t = marker, r = decimal.Parse(revenue, System.Globalization.CultureInfo.InvariantCulture) })).ShouldSucceed();
        }

        var listed = (await Host.QueryAsync("query($t: String!) { companies(where: { title: { eq: $t }, revenue: { gt: 100 } }, order: [{ revenue: DESC }]) { nodes { revenue } } }", new { t = marker })).ShouldSucceed();
        Assert.Equal([100000000.01m, 1234.5678m], listed.Data!["companies"]!["nodes"]!.AsArray().Select(n => n!["revenue"]!.GetValue<decimal>()));

        var tooPrecise = (await Host.QueryAsync("mutation { createCompany(input: { title: \"Precise\", revenue: 1.23456 }) { errors { code path } } }")).ShouldSucceed();
        Assert.Equal("INVALID_FORMAT", tooPrecise.Data!["createCompany"]!["errors"]![0]!["code"]!.GetValue<string>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SelectionListsOnSqlite(SqliteHost fixture) : SelectionListTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SelectionListsOnPostgres(PostgresHost fixture) : SelectionListTests(fixture), IClassFixture<PostgresHost>;
