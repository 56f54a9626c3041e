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
