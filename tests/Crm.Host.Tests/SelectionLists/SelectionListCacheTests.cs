using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.SelectionLists;

/// <summary>
/// Selection lists are kept across requests: a read costs no SQL statement while nothing changed,
/// a change through the API is seen by the next request, and one made by another host on the
/// database (its version row bumped) once the host has compared versions.
/// </summary>
public abstract class SelectionListCacheTests(HostFixture fixture)
{
    private const string ReadSources = "{ selectionList(entityId: \"SOURCE\") { items { id name } } }";

    private CrmHost Host => fixture.Host;

    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    private async Task<(List<string> Ids, int Statements)> ReadSourcesAsync()
    {
        var response = (await Host.QueryAsync(ReadSources)).ShouldSucceed();
        return (response.Data!["selectionList"]!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList(), response.Statements);
    }

    [Fact]
    public async Task A_read_of_lists_sends_no_statement_while_nothing_changed()
    {
        await ReadSourcesAsync();

        var (ids, statements) = await ReadSourcesAsync();

        Assert.Contains("CALL", ids);
        Assert.Equal(0, statements);
    }

    [Fact]
    public async Task A_change_through_the_API_is_seen_by_the_next_request()
    {
        await ReadSourcesAsync();
        var id = NewId("CACHED_");

        var added = (await Host.QueryAsync(
            "mutation($id: String!) { addSelectionListItem(input: { entityId: \"SOURCE\", id: $id, name: \"Cached\" }) { item { id } errors { code } } }",
            new { id })).ShouldSucceed();
        Assert.Empty(added.Data!["addSelectionListItem"]!["errors"]!.AsArray());

        Assert.Contains(id, (await ReadSourcesAsync()).Ids);
        var renamed = (await Host.QueryAsync(
            "mutation($id: String!) { updateSelectionListItem(entityId: \"SOURCE\", id: $id, input: { name: \"Renamed\" }) { errors { code } } }", new { id })).ShouldSucceed();
        Assert.Empty(renamed.Data!["updateSelectionListItem"]!["errors"]!.AsArray());
        var read = (await Host.QueryAsync(ReadSources)).ShouldSucceed();
        Assert.Contains(read.Data!["selectionList"]!["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == id && i["name"]!.GetValue<string>() == "Renamed");
    }

    [Fact]
    public async Task A_change_by_another_host_is_seen_once_the_version_row_says_so()
    {
        await ReadSourcesAsync();
        var id = NewId("ELSEWHERE_");
        // What another host's change leaves in the database: the item, and the version bumped with it.
        await Host.QueryRowsAsync(
            $"INSERT INTO {Host.Table("selection_lists", "items")} (entity_id, status_id, name, sort, system) VALUES ('SOURCE', @p0, 'Elsewhere', 999, @p1)", id, false);

        // The version is compared several times a second here; it has not changed, so the host keeps its lists.
        await Task.Delay(ListsPolledOftenHost.PollInterval * 3);
        Assert.DoesNotContain(id, (await ReadSourcesAsync()).Ids);

        await Host.QueryRowsAsync($"UPDATE {Host.Table("selection_lists", "version")} SET version = version + 1");

        // Waits for the next comparison (at most 100 of them), counting none of it.
        var seen = false;
        for (var attempt = 0; attempt < 100 && !seen; attempt++)
        {
            await Task.Delay(ListsPolledOftenHost.PollInterval);
            seen = (await ReadSourcesAsync()).Ids.Contains(id);
        }

        Assert.True(seen, "The host never read the lists again after their version changed.");
    }
}

/// <summary>A host that compares the lists' version with the database's every 100 ms.</summary>
public abstract class ListsPolledOftenHost(Engine engine) : HostFixture(engine)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["SelectionLists:PollInterval"] = "00:00:00.100" };
}

public sealed class ListsPolledOftenSqliteHost() : ListsPolledOftenHost(Engine.Sqlite);

public sealed class ListsPolledOftenPostgresHost() : ListsPolledOftenHost(Engine.Postgres);

[Trait("Engine", "Sqlite")]
public sealed class SelectionListCacheOnSqlite(ListsPolledOftenSqliteHost fixture) : SelectionListCacheTests(fixture), IClassFixture<ListsPolledOftenSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SelectionListCacheOnPostgres(ListsPolledOftenPostgresHost fixture) : SelectionListCacheTests(fixture), IClassFixture<ListsPolledOftenPostgresHost>;
