using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Deals;

/// <summary>
/// The write path of an update: a writer who reaches every deal reads it (row locked, with its
/// contact links) through a compiled query, anyone else through their rights' filter; both end
/// in the same row, links and event.
/// </summary>
public abstract class DealWriteTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private const string Rename = "mutation($id: ID!, $title: String!) { updateDeal(id: $id, input: { title: $title }) { deal { id title contacts { id } } errors { code } } }";

    [Fact]
    public async Task A_rename_by_an_administrator_keeps_the_links_tells_only_the_title_and_costs_the_same_statements_every_time()
    {
        var marker = Records.NewMarker("Rename");
        var first = await Host.CreateContactAsync(new { name = $"{marker} first" });
        var second = await Host.CreateContactAsync(new { name = $"{marker} second" });
        var id = await Host.CreateDealAsync(new { title = $"{marker} before", contactIds = new[] { first, second } });

        // Twice: the first rename compiles the read, the second runs it as every later one does.
        for (var round = 1; round <= 2; round++)
        {
            var renamed = (await Host.QueryAsync(Rename, new { id, title = $"{marker} after {round}" })).ShouldSucceed();
            var deal = renamed.Data!["updateDeal"]!["deal"]!;
            Assert.Equal($"{marker} after {round}", deal["title"]!.GetValue<string>());
            Assert.Equal([first, second], deal["contacts"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));
            // The locked read with the links; the row's update and its event (one batch on
            // PostgreSQL, one command each on SQLite, where EF Core does not batch); the answer's contacts.
            Assert.Equal(fixture.Engine == Engine.Postgres ? 4 : 5, renamed.Statements);
        }

        var events = await Host.QueryRowsAsync(
            $"SELECT payload FROM {Host.Table("deals", "outbox")} WHERE kind = 'record.updated' AND entity_id = @p0 ORDER BY id", long.Parse(id, CultureInfo.InvariantCulture));
        Assert.Equal(2, events.Count);
        var changes = JsonNode.Parse((string)events[1]["payload"]!)!["data"]!["changes"]!.AsObject();
        Assert.Equal(["title"], changes.Select(c => c.Key));
        Assert.Equal($"{marker} after 1", changes["title"]!["oldValue"]!.GetValue<string>());
        Assert.Equal($"{marker} after 2", changes["title"]!["newValue"]!.GetValue<string>());

        var found = (await Host.QueryAsync("query($s: String!) { deals(search: $s) { nodes { id } } }", new { s = $"{marker} after 2" })).ShouldSucceed();
        Assert.Equal([id], found.Data!["deals"]!["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_writer_whose_rights_reach_their_own_deals_renames_those_and_no_other()
    {
        var marker = Records.NewMarker("RenameOwn");
        var (userId, _, key) = await Host.NewUserWithKeyAsync("renamer");
        var role = await Host.CreateRoleAsync($"deals-own-{marker}", [
            new { entityType = "DEAL", action = "READ", level = "OWN" },
            new { entityType = "DEAL", action = "UPDATE", level = "OWN" },
        ]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        var mine = await Host.CreateDealAsync(new { title = $"{marker} mine", assignedById = userId });
        var theirs = await Host.CreateDealAsync(new { title = $"{marker} theirs" });

        var renamed = (await Host.QueryAsync(Rename, new { id = mine, title = $"{marker} mine renamed" }, key)).ShouldSucceed();
        Assert.Equal($"{marker} mine renamed", renamed.Data!["updateDeal"]!["deal"]!["title"]!.GetValue<string>());

        var refused = (await Host.QueryAsync(Rename, new { id = theirs, title = $"{marker} taken" }, key)).ShouldSucceed();
        Assert.Equal("FORBIDDEN", refused.Data!["updateDeal"]!["errors"]![0]!["code"]!.GetValue<string>());
        var untouched = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { title } }", new { id = theirs })).ShouldSucceed();
        Assert.Equal($"{marker} theirs", untouched.Data!["deal"]!["title"]!.GetValue<string>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class DealWritesOnSqlite(SqliteHost fixture) : DealWriteTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DealWritesOnPostgres(PostgresHost fixture) : DealWriteTests(fixture), IClassFixture<PostgresHost>;
