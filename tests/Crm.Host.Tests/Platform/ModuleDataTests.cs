using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// What modules do to their own data at start-up: data migrations run once per database, in
/// order, after the schema; declared selection lists are made once and are the admins' after that.
/// Each test has a database of its own, since it restarts hosts on it.
/// </summary>
public abstract class ModuleDataTests(Engine engine)
{
    private const string Migration = "0001-action-names-upper-case";

    [Fact]
    public async Task A_data_migration_runs_once_per_database_and_again_only_when_its_record_is_gone()
    {
        await using var host = await CrmHost.StartAsync(engine);
        var runs = host.Table("platform", "data_migrations");
        var recorded = await host.QueryRowsAsync($"SELECT module_id, migration_id, applied_at FROM {runs}");
        Assert.Contains(recorded, r => (string)r["module_id"]! == "permissions" && (string)r["migration_id"]! == Migration);

        // A role as an older version stored it: actions by their C# names.
        var roleId = long.Parse(await host.CreateRoleAsync("Legacy", [new { entityType = "DEAL", action = "READ", level = "ALL" }]), System.Globalization.CultureInfo.InvariantCulture);
        var permissions = host.Table("permissions", "role_permissions");
        await host.QueryRowsAsync($"UPDATE {permissions} SET action = 'Read' WHERE role_id = @p0", roleId);

        // Recorded as run: a restart leaves the data alone.
        await RestartAsync(host);
        Assert.Equal("Read", await ActionOfAsync(host, roleId));

        // Its record gone (an older database): the next start runs it, once, and records it.
        await host.QueryRowsAsync($"DELETE FROM {runs} WHERE migration_id = @p0", Migration);
        await RestartAsync(host);
        Assert.Equal("READ", await ActionOfAsync(host, roleId));
        Assert.Single(await host.QueryRowsAsync($"SELECT 1 FROM {runs} WHERE migration_id = @p0", Migration));

        var roles = (await host.QueryAsync("{ roles { id permissions { action } } }")).ShouldSucceed();
        var role = Assert.Single(roles.Data!["roles"]!.AsArray(), r => r!["id"]!.GetValue<string>() == roleId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("READ", role!["permissions"]![0]!["action"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_declared_list_emptied_by_an_admin_stays_an_empty_list_with_its_name_across_restarts()
    {
        await using var host = await CrmHost.StartAsync(engine);
        var items = await ItemIdsAsync(host, "HONORIFIC");
        Assert.NotEmpty(items);
        foreach (var id in items)
        {
            (await host.MutateAsync("removeSelectionListItem",
                "mutation($id: String!) { removeSelectionListItem(entityId: \"HONORIFIC\", id: $id) { errors { code message path } } }", new { id })).Ok();
        }

        await AssertEmptyHonorificsAsync(host);
        await RestartAsync(host);
        await AssertEmptyHonorificsAsync(host);
    }

    [Fact]
    public async Task A_database_from_before_lists_were_declared_gets_its_lists_recorded_and_keeps_the_admins_items()
    {
        await using var host = await CrmHost.StartAsync(engine);
        (await host.MutateAsync("updateSelectionListItem",
            "mutation { updateSelectionListItem(entityId: \"SOURCE\", id: \"CALL\", input: { name: \"Phone call\" }) { errors { code message path } } }")).Ok();
        var before = await ItemIdsAsync(host, "SOURCE");
        await host.QueryRowsAsync($"DELETE FROM {host.Table("selection_lists", "lists")}");

        await RestartAsync(host);

        var lists = await host.QueryRowsAsync($"SELECT entity_id FROM {host.Table("selection_lists", "lists")}");
        Assert.Contains(lists, l => (string)l["entity_id"]! == "SOURCE");
        Assert.Contains(lists, l => (string)l["entity_id"]! == "DEAL_STAGE");
        Assert.Equal(before, await ItemIdsAsync(host, "SOURCE"));
        var call = (await host.QueryAsync("{ selectionList(entityId: \"SOURCE\") { items { id name } } }")).ShouldSucceed();
        Assert.Contains(call.Data!["selectionList"]!["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == "CALL" && i["name"]!.GetValue<string>() == "Phone call");
    }

    private static async Task AssertEmptyHonorificsAsync(CrmHost host)
    {
        var lists = (await host.QueryAsync("{ selectionLists { entityId name items { id } } }")).ShouldSucceed();
        var honorifics = Assert.Single(lists.Data!["selectionLists"]!.AsArray(), l => l!["entityId"]!.GetValue<string>() == "HONORIFIC");
        Assert.Equal("Honorifics", honorifics!["name"]!.GetValue<string>());
        Assert.Empty(honorifics["items"]!.AsArray());
    }

    private static async Task<List<string>> ItemIdsAsync(CrmHost host, string list)
    {
        var answer = (await host.QueryAsync("query($list: String!) { selectionList(entityId: $list) { items { id } } }", new { list })).ShouldSucceed();
        return answer.Data!["selectionList"]!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
    }

    private static async Task<string> ActionOfAsync(CrmHost host, long roleId) =>
        (string)Assert.Single(await host.QueryRowsAsync($"SELECT action FROM {host.Table("permissions", "role_permissions")} WHERE role_id = @p0", roleId))["action"]!;

    /// <summary>Starts another host on the same database: what a restart does at start-up.</summary>
    private static async Task RestartAsync(CrmHost host)
    {
        await using var next = new CrmHost(host.Engine, host.ConnectionString);
        _ = next.Server;
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ModuleDataOnSqlite() : ModuleDataTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class ModuleDataOnPostgres() : ModuleDataTests(Engine.Postgres);
