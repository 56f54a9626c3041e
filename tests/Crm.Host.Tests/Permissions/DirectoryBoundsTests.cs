using System.Globalization;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Permissions;

/// <summary>The directory's bounds (roles, groups, departments) hold under parallel creates, and a group edited while it is deleted is refused as gone.</summary>
public abstract class DirectoryBoundsTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task Ten_times_the_roles_groups_and_departments_allowed_created_at_once_stop_at_each_bound_exactly()
    {
        await using var bounded = await CrmHost.OnNewDatabaseAsync(Host.Engine, new Dictionary<string, string?>
        {
            ["Permissions:MaxRoles"] = "6",
            ["Permissions:MaxGroups"] = "4",
            ["Permissions:MaxDepartments"] = "5",
        });
        _ = bounded.Server;

        var kinds = new (string Field, string Mutation, string Payload, string Table, int Max, Func<int, object> Input)[]
        {
            ("createRole", "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { code message } } }", "role", "roles", 6,
                i => new { name = $"Bounded role {i}", permissions = Array.Empty<object>() }),
            ("createGroup", "mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } errors { code message } } }", "group", "groups", 4,
                i => new { name = $"Bounded group {i}" }),
            ("createDepartment", "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } errors { code message } } }", "department", "departments", 5,
                i => new { name = $"Bounded department {i}" }),
        };
        foreach (var (field, mutation, payload, table, max, input) in kinds)
        {
            var rows = $"SELECT id FROM {bounded.Table("permissions", table)}";
            var before = (await bounded.QueryRowsAsync(rows)).Count;
            Assert.True(before < max, $"A new database holds {before} {table}, leaving no room under {max}");

            var answers = await Task.WhenAll(Enumerable.Range(0, max * 10).Select(i => bounded.MutateAsync(field, mutation, new { input = input(i) })));

            Assert.Equal(max - before, answers.Count(a => a[payload] is not null));
            Assert.All(answers.Where(a => a[payload] is null), a => Assert.Equal("LIMIT_EXCEEDED", a.ErrorCode()));
            Assert.Contains($"at most {max.ToString(CultureInfo.InvariantCulture)} {table}", answers.First(a => a[payload] is null)["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(max, (await bounded.QueryRowsAsync(rows)).Count);
        }
    }

    [Fact]
    public async Task A_group_renamed_while_it_is_deleted_is_refused_as_gone_not_failed()
    {
        for (var round = 0; round < 3; round++)
        {
            var group = await Host.CreateGroupAsync(Records.NewMarker("Vanishing "));
            var renames = Enumerable.Range(0, 19).Select(i => Host.QueryAsync(
                "mutation($id: ID!, $n: String!) { updateGroup(id: $id, input: { name: $n }) { group { id } errors { code } } }", new { id = group, n = $"Renamed {i}" }));
            var delete = Host.QueryAsync("mutation($id: ID!) { deleteGroup(id: $id) { deletedId errors { code } } }", new { id = group });
            var answers = await Task.WhenAll(renames.Append(delete));

            // No internal error: each rename either went before the delete or found the group gone.
            Assert.All(answers, a => a.ShouldSucceed());
            Assert.NotNull((await delete).Data!["deleteGroup"]!["deletedId"]);
            Assert.All(answers.SkipLast(1).Select(a => a.Data!["updateGroup"]!).Where(p => p["group"] is null), p => Assert.Equal("NOT_FOUND", p.ErrorCode()));
            Assert.Empty(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", "groups")} WHERE id = @p0", long.Parse(group, CultureInfo.InvariantCulture)));
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class DirectoryBoundsOnSqlite(SqliteHost fixture) : DirectoryBoundsTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DirectoryBoundsOnPostgres(PostgresHost fixture) : DirectoryBoundsTests(fixture), IClassFixture<PostgresHost>;
