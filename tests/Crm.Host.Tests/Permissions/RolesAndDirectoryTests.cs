using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Host.Tests.Permissions.PermissionHelpers;

namespace Crm.Host.Tests.Permissions;

/// <summary>Users, departments, groups and roles round trips; effective rights; no granting oneself anything; bad inputs.</summary>
public abstract class RolesAndDirectoryTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private static object Perm(string entityType, string action, string level, string? partition = null) => new { entityType, action, level, partition };

    [Fact]
    public async Task Departments_form_a_tree_without_cycles_and_users_and_groups_round_trip()
    {
        var top = await Host.CreateDepartmentAsync(Records.NewMarker("Top "));
        var middle = await Host.CreateDepartmentAsync(Records.NewMarker("Middle "), top);
        var bottom = await Host.CreateDepartmentAsync(Records.NewMarker("Bottom "), middle);
        var email = NewEmail("member");
        var userId = await Host.CreateUserAsync(new { email, name = "Mem", lastName = "Ber", departmentIds = new[] { middle, bottom }, timeZone = "Europe/Berlin", language = "de" });

        var head = await Host.MutateAsync("updateDepartment", "mutation($id: ID!, $head: ID) { updateDepartment(id: $id, input: { headId: $head }) { department { headId } errors { code message path } } }",
            new { id = middle, head = userId });
        Assert.Equal(userId, head.Ok()["department"]!["headId"]!.GetValue<string>());

        var cycle = await Host.MutateAsync("updateDepartment", "mutation($id: ID!, $parent: ID) { updateDepartment(id: $id, input: { parentId: $parent }) { department { id } errors { code message path } } }",
            new { id = top, parent = bottom });
        Assert.Equal("CYCLE", cycle.ErrorCode());
        Assert.Equal("input.parentId", cycle.ErrorPath());
        var self = await Host.MutateAsync("updateDepartment", "mutation($id: ID!, $parent: ID) { updateDepartment(id: $id, input: { parentId: $parent }) { department { id } errors { code message path } } }",
            new { id = middle, parent = middle });
        Assert.Equal("CYCLE", self.ErrorCode());

        var tree = (await Host.QueryAsync("{ departments(rootsOnly: true) { id name parentId children { id memberIds children { id parentId } } } }")).ShouldSucceed();
        var root = tree.Data!["departments"]!.AsArray().Single(d => d!["id"]!.GetValue<string>() == top)!;
        var child = root["children"]!.AsArray().Single()!;
        Assert.Equal(middle, child["id"]!.GetValue<string>());
        Assert.Equal([userId], child["memberIds"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(bottom, child["children"]![0]!["id"]!.GetValue<string>());

        var groupId = await Host.CreateGroupAsync(Records.NewMarker("Group "), userId);
        var user = (await Host.QueryAsync("query($id: ID!) { user(id: $id) { email name lastName active timeZone language kind departments { id } groups { id name } } }", new { id = userId }))
            .ShouldSucceed().Data!["user"]!;
        Assert.Equal(email, user["email"]!.GetValue<string>());
        Assert.Equal("Europe/Berlin", user["timeZone"]!.GetValue<string>());
        Assert.Equal("de", user["language"]!.GetValue<string>());
        Assert.Equal("PERSON", user["kind"]!.GetValue<string>());
        // Both ordered as text: ids 9 and 10 come as "10", "9".
        Assert.Equal(new[] { middle, bottom }.Order(), user["departments"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()).Order());
        Assert.Equal(groupId, user["groups"]![0]!["id"]!.GetValue<string>());

        var updated = await Host.MutateAsync("updateUser", "mutation($id: ID!) { updateUser(id: $id, input: { name: \"Renamed\", departmentIds: [] }) { user { name departments { id } } errors { code message path } } }", new { id = userId });
        Assert.Equal("Renamed", updated.Ok()["user"]!["name"]!.GetValue<string>());
        Assert.Empty(updated["user"]!["departments"]!.AsArray());

        var page = (await Host.QueryAsync("{ users(first: 1) { id } }")).ShouldSucceed().Data!["users"]!.AsArray();
        Assert.Equal("1", page[0]!["id"]!.GetValue<string>());
        var next = (await Host.QueryAsync("query($after: ID) { users(first: 200, after: $after) { id } }", new { after = page[^1]!["id"]!.GetValue<string>() })).ShouldSucceed();
        Assert.DoesNotContain(next.Data!["users"]!.AsArray(), u => u!["id"]!.GetValue<string>() == "1");
        Assert.Contains(next.Data!["users"]!.AsArray(), u => u!["id"]!.GetValue<string>() == userId);
    }

    [Fact]
    public async Task Roles_are_created_changed_assigned_unassigned_and_deleted()
    {
        var roleId = await Host.CreateRoleAsync("Sales ", [Perm("CONTACT", "READ", "OWN"), Perm("DEAL", "UPDATE", "DEPARTMENT", "3")]);
        var roles = (await Host.QueryAsync("{ roles { id name canConfigure permissions { entityType partition action level } } }")).ShouldSucceed();
        var role = roles.Data!["roles"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == roleId)!;
        Assert.Contains(role["permissions"]!.AsArray(), p => p!["entityType"]!.GetValue<string>() == "DEAL" && p["partition"]!.GetValue<string>() == "3" && p["level"]!.GetValue<string>() == "DEPARTMENT");

        var changed = await Host.MutateAsync("updateRole", "mutation($id: ID!) { updateRole(id: $id, input: { canConfigure: true, permissions: [{ entityType: LEAD, action: ADD, level: ALL }] }) { role { canConfigure permissions { entityType action level } } errors { code message path } } }", new { id = roleId });
        Assert.True(changed.Ok()["role"]!["canConfigure"]!.GetValue<bool>());
        Assert.Equal("LEAD", changed["role"]!["permissions"]!.AsArray().Single()!["entityType"]!.GetValue<string>());

        var userId = await Host.CreateUserAsync(new { email = NewEmail("holder"), name = "Holder" });
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Dept "));
        var group = await Host.CreateGroupAsync(Records.NewMarker("Grp "));
        (await Host.AssignAsync(roleId, userId: userId)).Ok();
        (await Host.AssignAsync(roleId, departmentId: department, sub: true)).Ok();
        var assigned = (await Host.AssignAsync(roleId, groupId: group)).Ok();
        Assert.Equal(3, assigned["role"]!["assignments"]!.AsArray().Count);
        Assert.Equal("CONFLICT", (await Host.AssignAsync(roleId, userId: userId)).ErrorCode());

        var unassigned = (await Host.MutateAsync("unassignRole", UnassignMutation, new { roleId, departmentId = department, sub = true })).Ok();
        Assert.Equal(2, unassigned["role"]!["assignments"]!.AsArray().Count);
        Assert.Equal("NOT_FOUND", (await Host.MutateAsync("unassignRole", UnassignMutation, new { roleId, departmentId = department, sub = true })).ErrorCode());

        var deleted = (await Host.MutateAsync("deleteRole", "mutation($id: ID!) { deleteRole(id: $id) { deletedId errors { code message path } } }", new { id = roleId })).Ok();
        Assert.Equal(roleId, deleted["deletedId"]!.GetValue<string>());
        var after = (await Host.QueryAsync("{ roles { id } }")).ShouldSucceed();
        Assert.DoesNotContain(after.Data!["roles"]!.AsArray(), r => r!["id"]!.GetValue<string>() == roleId);
    }

    [Fact]
    public async Task Me_shows_the_most_permissive_level_of_the_roles_given_directly_through_departments_and_groups()
    {
        var top = await Host.CreateDepartmentAsync(Records.NewMarker("Top "));
        var middle = await Host.CreateDepartmentAsync(Records.NewMarker("Mid "), top);
        var bottom = await Host.CreateDepartmentAsync(Records.NewMarker("Bot "), middle);
        var (userId, _, key) = await Host.NewUserWithKeyAsync("effective", bottom);
        var colleague = await Host.CreateUserAsync(new { email = NewEmail("colleague"), name = "Colleague", departmentIds = new[] { bottom } });
        var groupId = await Host.CreateGroupAsync(Records.NewMarker("Team "), userId);

        var direct = await Host.CreateRoleAsync("Direct ", [Perm("CONTACT", "READ", "OWN"), Perm("DEAL", "READ", "OWN", "3")]);
        var viaTop = await Host.CreateRoleAsync("ViaTop ", [Perm("CONTACT", "READ", "DEPARTMENT"), Perm("LEAD", "ADD", "OWN"), Perm("DEAL", "READ", "ALL")]);
        var viaGroup = await Host.CreateRoleAsync("ViaGroup ", [Perm("CONTACT", "READ", "SUBDEPARTMENTS"), Perm("CONTACT", "UPDATE", "OPEN")]);
        var topOnly = await Host.CreateRoleAsync("TopOnly ", [Perm("CONTACT", "DELETE", "ALL")], canConfigure: true);
        (await Host.AssignAsync(direct, userId: userId)).Ok();
        (await Host.AssignAsync(viaTop, departmentId: top, sub: true)).Ok();
        (await Host.AssignAsync(viaGroup, groupId: groupId)).Ok();
        // Given to the top department without its subdepartments: does not reach the bottom.
        (await Host.AssignAsync(topOnly, departmentId: top)).Ok();

        var me = (await Host.QueryAsync("{ me { id departments { id name } groups { id name } permissions { entityType partition action level } canConfigure isAdministrator } }", apiKey: key))
            .ShouldSucceed().Data!["me"]!;
        Assert.Equal(userId, me["id"]!.GetValue<string>());
        Assert.Equal(bottom, me["departments"]!.AsArray().Single()!["id"]!.GetValue<string>());
        Assert.Equal(groupId, me["groups"]!.AsArray().Single()!["id"]!.GetValue<string>());
        Assert.False(me["canConfigure"]!.GetValue<bool>());
        Assert.False(me["isAdministrator"]!.GetValue<bool>());
        var levels = Levels(me);
        Assert.Equal("SUBDEPARTMENTS", levels[("CONTACT", null, "READ")]);
        Assert.Equal("OPEN", levels[("CONTACT", null, "UPDATE")]);
        Assert.Equal("OWN", levels[("LEAD", null, "ADD")]);
        Assert.Equal("ALL", levels[("DEAL", null, "READ")]);
        // A role's type-wide level also counts for the partitions other roles name.
        Assert.Equal("ALL", levels[("DEAL", "3", "READ")]);
        Assert.False(levels.ContainsKey(("CONTACT", null, "DELETE")));

        // The rights the SDK enforces: the departments' users, and nothing asked of the database twice.
        var provider = Host.Services.GetRequiredService<IAccessRightsProvider>();
        var rights = (await provider.RightsAsync(long.Parse(userId, System.Globalization.CultureInfo.InvariantCulture), default))!;
        // The poller may still drop the cache once for the changes above (this host's own): let it.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await provider.RightsAsync(long.Parse(userId, System.Globalization.CultureInfo.InvariantCulture), default);
        Assert.Contains(long.Parse(colleague, System.Globalization.CultureInfo.InvariantCulture), rights.DepartmentUserIds);
        using (var counter = SqlStatementCounter.BeginScope())
        {
            await provider.RightsAsync(long.Parse(userId, System.Globalization.CultureInfo.InvariantCulture), default);
            Assert.Equal(0, counter.Count);
        }

        // A change takes effect on the next request.
        (await Host.AssignAsync(topOnly, departmentId: middle, sub: true)).Ok();
        var after = Levels((await Host.QueryAsync("{ me { permissions { entityType partition action level } canConfigure } }", apiKey: key)).ShouldSucceed().Data!["me"]!);
        Assert.Equal("ALL", after[("CONTACT", null, "DELETE")]);
    }

    [Fact]
    public async Task Nobody_but_an_administrator_grants_themselves_a_role()
    {
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Own "));
        var (managerId, _, managerKey) = await Host.NewUserWithKeyAsync("manager", department);
        var settings = await Host.CreateRoleAsync("Settings ", [Perm("CONTACT", "READ", "OWN")], canConfigure: true);
        (await Host.AssignAsync(settings, userId: managerId)).Ok();
        var bigger = await Host.CreateRoleAsync("Bigger ", [Perm("CONTACT", "READ", "ALL")]);
        var otherDepartment = await Host.CreateDepartmentAsync(Records.NewMarker("Other "));
        (await Host.AssignAsync(bigger, departmentId: otherDepartment)).Ok();
        var groupId = await Host.CreateGroupAsync(Records.NewMarker("Mine "), managerId);
        var someone = await Host.CreateUserAsync(new { email = NewEmail("someone"), name = "Someone" });

        Assert.Equal("FORBIDDEN", (await Host.AssignAsync(bigger, userId: managerId, apiKey: managerKey)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.AssignAsync(bigger, departmentId: department, apiKey: managerKey)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.AssignAsync(bigger, groupId: groupId, apiKey: managerKey)).ErrorCode());
        // The role they hold: neither given to others, taken, nor changed.
        Assert.Equal("FORBIDDEN", (await Host.AssignAsync(settings, userId: someone, apiKey: managerKey)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("unassignRole", UnassignMutation, new { roleId = settings, userId = managerId }, managerKey)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("updateRole", "mutation($id: ID!) { updateRole(id: $id, input: { permissions: [{ entityType: CONTACT, action: READ, level: ALL }] }) { errors { code message path } } }",
            new { id = settings }, managerKey)).ErrorCode());
        // Nor by moving themselves into a department that has it.
        var move = await Host.MutateAsync("updateUser", "mutation($id: ID!, $d: [ID!]) { updateUser(id: $id, input: { departmentIds: $d }) { errors { code message path } } }",
            new { id = managerId, d = new[] { otherDepartment } }, managerKey);
        Assert.Equal("FORBIDDEN", move.ErrorCode());
        // Nor by setting the password of someone with more rights.
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("updateUser", "mutation { updateUser(id: \"1\", input: { password: \"0123456789abc\" }) { errors { code message path } } }", apiKey: managerKey)).ErrorCode());

        // What they may do: give another role to someone else.
        (await Host.AssignAsync(bigger, userId: someone, apiKey: managerKey)).Ok();
        var me = (await Host.QueryAsync("{ me { permissions { entityType action level } } }", apiKey: managerKey)).ShouldSucceed();
        Assert.Equal("OWN", Levels(me.Data!["me"]!)[("CONTACT", null, "READ")]);

        // Without the settings right nothing is managed at all.
        var (_, _, plainKey) = await Host.NewUserWithKeyAsync("plain");
        var forbidden = await Host.MutateAsync("createRole", "mutation { createRole(input: { name: \"Mine\", canConfigure: true }) { errors { code message path } } }", apiKey: plainKey);
        Assert.Equal("FORBIDDEN", forbidden.ErrorCode());
        var keys = await Host.QueryAsync("{ apiKeys { id } }", apiKey: plainKey);
        Assert.Equal("FORBIDDEN", keys.ErrorCodes.Single());
    }

    [Fact]
    public async Task Users_are_searched_by_every_word_in_name_last_name_or_email_ignoring_case()
    {
        var marker = Records.NewMarker("Srch");
        var anna = await Host.CreateUserAsync(new { email = NewEmail("anna"), name = $"Anna{marker}", lastName = "Kowalska" });
        var adam = await Host.CreateUserAsync(new { email = NewEmail("adam"), name = $"Adam{marker}", lastName = "Nowak" });
        var viaEmail = await Host.CreateUserAsync(new { email = $"{marker}.desk@example.com", name = "Front", lastName = "Desk" });
        const string query = "query($search: String, $active: Boolean) { users(first: 200, search: $search, active: $active) { id } }";
        async Task<string[]> Found(string search, bool? active = null) =>
            [.. (await Host.QueryAsync(query, new { search, active })).ShouldSucceed().Data!["users"]!.AsArray().Select(u => u!["id"]!.GetValue<string>())];

        Assert.Equal([anna, adam, viaEmail], await Found(marker.ToUpperInvariant()));
        Assert.Equal([anna], await Found($"kowal {marker.ToLowerInvariant()}"));
        Assert.Equal([adam], await Found($"  {marker}   NOWAK "));
        Assert.Equal([viaEmail], await Found($"{marker}.desk@"));
        Assert.Empty(await Found($"{marker} nobody"));
        Assert.Empty(await Found($"{marker} %"));
        Assert.Empty(await Found($"{marker}_"));
        Assert.Empty(await Found(marker, active: false));
        Assert.Contains("1", await Found(""));

        // Ten times Limits:MaxSearchLength is refused before any work.
        var refused = await Host.QueryAsync(query, new { search = new string('a', 10_000) });
        Assert.Equal("LIMIT_EXCEEDED", refused.ErrorCodes.Single());
    }

    [Fact]
    public async Task Bad_inputs_are_refused_with_a_code_and_path_and_write_nothing()
    {
        const string create = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code message path } } }";
        var email = NewEmail("Bad");
        var before = await DatabaseState.CaptureAsync(Host);
        var shortPassword = await Host.MutateAsync("createUser", create, new { input = new { email, name = "Bad", password = "short" } });
        Assert.Equal("PASSWORD_TOO_SHORT", shortPassword.ErrorCode());
        Assert.Equal("input.password", shortPassword.ErrorPath());
        var users = (await Host.QueryAsync("{ users(first: 200) { email } }")).ShouldSucceed();
        Assert.DoesNotContain(email, users.Body.ToJsonString(), StringComparison.Ordinal);

        Assert.Equal("INVALID_FORMAT", (await Host.MutateAsync("createUser", create, new { input = new { email = "not an e-mail", name = "Bad" } })).ErrorCode());
        Assert.Equal("REQUIRED", (await Host.MutateAsync("createUser", create, new { input = new { email = NewEmail("noname"), name = " " } })).ErrorCode());
        Assert.Equal("INVALID_VALUE", (await Host.MutateAsync("createUser", create, new { input = new { email = NewEmail("zone"), name = "Z", timeZone = "Mars/Olympus" } })).ErrorCode());
        var unknownDepartment = await Host.MutateAsync("createUser", create, new { input = new { email = NewEmail("dept"), name = "D", departmentIds = new[] { "999999" } } });
        Assert.Equal("NOT_FOUND", unknownDepartment.ErrorCode());
        Assert.Equal("input.departmentIds", unknownDepartment.ErrorPath());
        await before.ShouldBeUnchangedAsync(Host, "every createUser was refused");
        await Host.CreateUserAsync(new { email, name = "Bad" });
        before = await DatabaseState.CaptureAsync(Host);
        var duplicate = await Host.MutateAsync("createUser", create, new { input = new { email = email.ToUpperInvariant(), name = "Twice" } });
        Assert.Equal("CONFLICT", duplicate.ErrorCode());
        Assert.Equal("input.email", duplicate.ErrorPath());
        var integration = await Host.MutateAsync("createUser", create, new { input = new { email = NewEmail("bot"), name = "Bot", kind = "INTEGRATION", password = Password } });
        Assert.Equal("INVALID_VALUE", integration.ErrorCode());

        var twice = await Host.MutateAsync("createRole", "mutation { createRole(input: { name: \"Twice\", permissions: [{ entityType: LEAD, action: READ, level: OWN }, { entityType: LEAD, action: READ, level: ALL }] }) { role { id } errors { code message path } } }");
        Assert.Equal("CONFLICT", twice.ErrorCode());
        Assert.Equal("input.permissions.1", twice.ErrorPath());
        await before.ShouldBeUnchangedAsync(Host, "a duplicate user, an integration with a password and a role naming one permission twice were refused");
        var roleId = await Host.CreateRoleAsync("Unique ", []);
        before = await DatabaseState.CaptureAsync(Host);
        var both = await Host.MutateAsync("assignRole", AssignMutation, new { roleId, userId = "1", groupId = "1" });
        Assert.Equal("INVALID_VALUE", both.ErrorCode());
        Assert.Equal("groupId", both.ErrorPath());
        Assert.Equal("INVALID_VALUE", (await Host.MutateAsync("assignRole", AssignMutation, new { roleId })).ErrorCode());
        Assert.Equal("INVALID_VALUE", (await Host.AssignAsync(roleId, userId: "1", sub: true)).ErrorCode());
        Assert.Equal("NOT_FOUND", (await Host.AssignAsync(roleId, userId: "999999")).ErrorCode());
        Assert.Equal("NOT_FOUND", (await Host.AssignAsync("999999", userId: "1")).ErrorCode());
        Assert.Equal("INVALID_ID", (await Host.AssignAsync("abc", userId: "1")).ErrorCode());
        Assert.Equal("NOT_FOUND", (await Host.MutateAsync("createDepartment", "mutation { createDepartment(input: { name: \"X\", parentId: \"999999\" }) { errors { code message path } } }")).ErrorCode());
        Assert.Equal("NOT_FOUND", (await Host.MutateAsync("createGroup", "mutation { createGroup(input: { name: \"X\", memberIds: [\"999999\"] }) { errors { code message path } } }")).ErrorCode());
        var keyForNobody = await Host.MutateAsync("createApiKey", "mutation { createApiKey(input: { userId: \"999999\", name: \"k\" }) { key errors { code message path } } }");
        Assert.Equal("NOT_FOUND", keyForNobody.ErrorCode());
        Assert.Null(keyForNobody["key"]);
        await before.ShouldBeUnchangedAsync(Host, "every assignment, department, group and key naming what does not exist was refused");
    }

    private const string DeleteGroupMutation = "mutation($id: ID!) { deleteGroup(id: $id) { deletedId errors { code message path } } }";

    [Fact]
    public async Task Deleting_a_group_takes_its_roles_from_its_members_and_leaves_nothing_naming_it()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("grouped");
        var groupId = await Host.CreateGroupAsync(Records.NewMarker("Gone "), userId);
        var role = await Host.CreateRoleAsync("ViaGone ", [Perm("COMPANY", "DELETE", "ALL")]);
        (await Host.AssignAsync(role, groupId: groupId)).Ok();
        const string me = "{ me { groups { id } permissions { entityType partition action level } } }";
        Assert.Equal("ALL", Levels((await Host.QueryAsync(me, apiKey: key)).ShouldSucceed().Data!["me"]!)[("COMPANY", null, "DELETE")]);

        var deleted = (await Host.MutateAsync("deleteGroup", DeleteGroupMutation, new { id = groupId })).Ok();
        Assert.Equal(groupId, deleted["deletedId"]!.GetValue<string>());

        var after = (await Host.QueryAsync(me, apiKey: key)).ShouldSucceed().Data!["me"]!;
        Assert.Empty(after["groups"]!.AsArray());
        Assert.False(Levels(after).ContainsKey(("COMPANY", null, "DELETE")));
        var groups = (await Host.QueryAsync("{ groups { id } roles { id assignments { groupId } } }")).ShouldSucceed().Data!;
        Assert.DoesNotContain(groups["groups"]!.AsArray(), g => g!["id"]!.GetValue<string>() == groupId);
        Assert.Empty(groups["roles"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == role)!["assignments"]!.AsArray());
        var id = long.Parse(groupId, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Empty(await Host.QueryRowsAsync($"SELECT group_id FROM {Host.Table("permissions", "group_members")} WHERE group_id = @p0", id));
        Assert.Empty(await Host.QueryRowsAsync($"SELECT group_id FROM {Host.Table("permissions", "role_assignments")} WHERE group_id = @p0", id));

        Assert.Equal("NOT_FOUND", (await Host.MutateAsync("deleteGroup", DeleteGroupMutation, new { id = groupId })).ErrorCode());
        Assert.Equal("INVALID_ID", (await Host.MutateAsync("deleteGroup", DeleteGroupMutation, new { id = "abc" })).ErrorCode());
    }

    [Fact]
    public async Task Departments_moved_under_each_other_at_once_never_make_a_cycle()
    {
        // Ten pairs side by side under one parent, each moved under the other at once (twenty moves):
        // one of each pair moves, the other finds itself above its new parent and is refused.
        var root = await Host.CreateDepartmentAsync(Records.NewMarker("Crossed "));
        var pairs = new List<(string A, string B)>();
        for (var i = 0; i < 10; i++)
        {
            pairs.Add((await Host.CreateDepartmentAsync($"Crossed A{i}", root), await Host.CreateDepartmentAsync($"Crossed B{i}", root)));
        }

        const string Move = "mutation($id: ID!, $p: ID!) { updateDepartment(id: $id, input: { parentId: $p }) { department { id } errors { code } } }";
        var answers = await Task.WhenAll(pairs.SelectMany(p => new[] { (p.A, p.B), (p.B, p.A) })
            .Select(async m => (Moved: m.Item1, Payload: await Host.MutateAsync("updateDepartment", Move, new { id = m.Item1, p = m.Item2 }))));

        var parents = (await Host.QueryRowsAsync($"SELECT id, parent_id FROM {Host.Table("permissions", "departments")}"))
            .ToDictionary(r => Convert.ToInt64(r["id"], System.Globalization.CultureInfo.InvariantCulture),
                r => r["parent_id"] is null ? (long?)null : Convert.ToInt64(r["parent_id"], System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (a, b) in pairs)
        {
            var moves = answers.Where(x => x.Moved == a || x.Moved == b).ToList();
            var moved = Assert.Single(moves, x => x.Payload["department"] is not null);
            Assert.Equal("CYCLE", Assert.Single(moves, x => x.Payload["department"] is null).Payload.ErrorCode());
            var (child, parent) = moved.Moved == a ? (a, b) : (b, a);
            Assert.Equal(long.Parse(parent, System.Globalization.CultureInfo.InvariantCulture), parents[long.Parse(child, System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.Equal(long.Parse(root, System.Globalization.CultureInfo.InvariantCulture), parents[long.Parse(parent, System.Globalization.CultureInfo.InvariantCulture)]);
        }

        // And the whole tree: every department reaches the top.
        foreach (var start in parents.Keys)
        {
            var seen = new HashSet<long>();
            for (long? at = start; at is { } id; at = parents[id])
            {
                Assert.True(seen.Add(id), $"Department {start} is in a cycle");
            }
        }
    }

    [Fact]
    public async Task Twenty_admins_deleting_one_group_at_once_delete_it_once()
    {
        var groupId = await Host.CreateGroupAsync(Records.NewMarker("Raced "), await Host.CreateUserAsync(new { email = NewEmail("raced"), name = "Raced" }));
        (await Host.AssignAsync(await Host.CreateRoleAsync("ViaRaced ", [Perm("CONTACT", "READ", "OWN")]), groupId: groupId)).Ok();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("deleteGroup", DeleteGroupMutation, new { id = groupId })));

        Assert.Single(answers, a => a["deletedId"] is not null);
        Assert.All(answers.Where(a => a["deletedId"] is null), a => Assert.Equal("NOT_FOUND", a.ErrorCode()));
        var id = long.Parse(groupId, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Empty(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", "groups")} WHERE id = @p0", id));
        Assert.Empty(await Host.QueryRowsAsync($"SELECT group_id FROM {Host.Table("permissions", "role_assignments")} WHERE group_id = @p0", id));
    }

    [Fact]
    public async Task A_settings_manager_cannot_delete_a_group_they_hold_roles_through()
    {
        var (managerId, _, managerKey) = await Host.NewUserWithKeyAsync("groupmanager");
        (await Host.AssignAsync(await Host.CreateRoleAsync("Configures ", [Perm("CONTACT", "READ", "OWN")], canConfigure: true), userId: managerId)).Ok();
        var theirs = await Host.CreateGroupAsync(Records.NewMarker("Theirs "), managerId);
        (await Host.AssignAsync(await Host.CreateRoleAsync("ViaTheirs ", [Perm("DEAL", "READ", "ALL")]), groupId: theirs)).Ok();
        var other = await Host.CreateGroupAsync(Records.NewMarker("Other "));

        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("deleteGroup", DeleteGroupMutation, new { id = theirs }, managerKey)).ErrorCode());
        (await Host.MutateAsync("deleteGroup", DeleteGroupMutation, new { id = other }, managerKey)).Ok();
        var (_, _, plainKey) = await Host.NewUserWithKeyAsync("plaingroups");
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("deleteGroup", DeleteGroupMutation, new { id = theirs }, plainKey)).ErrorCode());
        Assert.Contains((await Host.QueryAsync("{ groups { id } }")).ShouldSucceed().Data!["groups"]!.AsArray(), g => g!["id"]!.GetValue<string>() == theirs);
    }

    [Fact]
    public async Task Twenty_admins_giving_one_role_to_one_holder_at_once_give_it_once_and_taking_it_back_take_it_once()
    {
        var roleId = await Host.CreateRoleAsync("Once ", [Perm("CONTACT", "READ", "OWN")]);
        var groupId = await Host.CreateGroupAsync(Records.NewMarker("Once "));
        var departmentId = await Host.CreateDepartmentAsync(Records.NewMarker("Once "));

        var given = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? Host.AssignAsync(roleId, groupId: groupId)
            : Host.AssignAsync(roleId, departmentId: departmentId, sub: true)));

        Assert.Equal(2, given.Count(a => a["errors"]!.AsArray().Count == 0));
        Assert.All(given.Where(a => a["errors"]!.AsArray().Count > 0), a => Assert.Equal("CONFLICT", a.ErrorCode()));
        Assert.Single(await AssignmentRowsAsync("group_id", groupId));
        Assert.Single(await AssignmentRowsAsync("department_id", departmentId));

        var taken = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("unassignRole", UnassignMutation, new { roleId, groupId })));

        Assert.Single(taken, a => a["errors"]!.AsArray().Count == 0);
        Assert.All(taken.Where(a => a["errors"]!.AsArray().Count > 0), a => Assert.Equal("NOT_FOUND", a.ErrorCode()));
        Assert.Empty(await AssignmentRowsAsync("group_id", groupId));
    }

    [Fact]
    public async Task Roles_given_to_a_group_while_it_is_deleted_are_refused_or_deleted_with_it()
    {
        var groupId = await Host.CreateGroupAsync(Records.NewMarker("Vanishing "));
        var roles = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            roles.Add(await Host.CreateRoleAsync($"ToVanishing{i} ", [Perm("CONTACT", "READ", "OWN")]));
        }

        var gives = roles.Select(roleId => Host.AssignAsync(roleId, groupId: groupId)).ToList();
        var delete = Host.MutateAsync("deleteGroup", DeleteGroupMutation, new { id = groupId });
        var answers = await Task.WhenAll(gives);

        Assert.Equal(groupId, (await delete).Ok()["deletedId"]!.GetValue<string>());
        Assert.All(answers.Where(a => a["errors"]!.AsArray().Count > 0), a => Assert.Equal("NOT_FOUND", a.ErrorCode()));
        Assert.Empty(await AssignmentRowsAsync("group_id", groupId));
    }

    [Fact]
    public async Task A_role_deleted_while_it_is_given_and_by_twenty_admins_at_once_is_deleted_once_and_given_to_nobody()
    {
        var roleId = await Host.CreateRoleAsync("Deleted ", [Perm("CONTACT", "READ", "OWN")]);
        var users = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            users.Add(await Host.CreateUserAsync(new { email = NewEmail($"deletedrole{i}"), name = "Holder" }));
        }

        var gives = users.Select(userId => Host.AssignAsync(roleId, userId: userId)).ToList();
        var deletes = Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("deleteRole", DeleteRoleMutation, new { id = roleId })).ToList();
        var given = await Task.WhenAll(gives);
        var deleted = await Task.WhenAll(deletes);

        Assert.Single(deleted, a => a["deletedId"] is not null);
        Assert.All(deleted.Where(a => a["deletedId"] is null), a => Assert.Equal("NOT_FOUND", a.ErrorCode()));
        Assert.All(given.Where(a => a["errors"]!.AsArray().Count > 0), a => Assert.Equal("NOT_FOUND", a.ErrorCode()));
        Assert.Empty(await AssignmentRowsAsync("role_id", roleId));
        Assert.Empty(await Host.QueryRowsAsync($"SELECT role_id FROM {Host.Table("permissions", "role_permissions")} WHERE role_id = @p0", long.Parse(roleId, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Twenty_admins_writing_one_role_at_once_leave_one_whole_permission_set_and_one_role_of_a_name()
    {
        var roleId = await Host.CreateRoleAsync("Rewritten ", [Perm("CONTACT", "READ", "OWN")]);
        var types = new[] { "CONTACT", "COMPANY", "DEAL", "LEAD" };
        const string update = "mutation($id: ID!, $permissions: [PermissionInput!]) { updateRole(id: $id, input: { permissions: $permissions }) { role { id } errors { code message path } } }";

        // Each writes a whole set of two permissions; interleaved replacements would leave a mixture.
        var writes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Host.MutateAsync("updateRole", update, new
        {
            id = roleId,
            permissions = new[] { Perm(types[i % 4], "READ", "ALL"), Perm(types[i % 4], "UPDATE", "OWN") },
        })));

        Assert.All(writes, w => w.Ok());
        var rows = await Host.QueryRowsAsync($"SELECT entity_type FROM {Host.Table("permissions", "role_permissions")} WHERE role_id = @p0", long.Parse(roleId, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, rows.Count);
        Assert.Single(rows.Select(r => (string)r["entity_type"]!).Distinct());

        var name = Records.NewMarker("Same name ");
        const string create = "mutation($name: String!) { createRole(input: { name: $name }) { role { id } errors { code message path } } }";
        var creates = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("createRole", create, new { name })));

        Assert.Single(creates, c => c["errors"]!.AsArray().Count == 0);
        Assert.All(creates.Where(c => c["errors"]!.AsArray().Count > 0), c => Assert.Equal("CONFLICT", c.ErrorCode()));
        Assert.Single(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", "roles")} WHERE name = @p0", name));
    }

    private const string DeleteDepartmentMutation = "mutation($id: ID!) { deleteDepartment(id: $id) { deletedId errors { code message path } } }";

    [Fact]
    public async Task A_department_in_use_is_kept_and_an_empty_one_is_deleted_with_its_roles_and_its_shared_views_made_private()
    {
        var top = await Host.CreateDepartmentAsync(Records.NewMarker("Top "));
        var below = await Host.CreateDepartmentAsync(Records.NewMarker("Below "), top);
        var (userId, _, _) = await Host.NewUserWithKeyAsync("belowdept");
        await Host.MutateAsync("updateUser", "mutation($id: ID!, $d: [ID!]) { updateUser(id: $id, input: { departmentIds: $d }) { user { id } errors { code message path } } }", new { id = userId, d = new[] { below } });
        var role = await Host.CreateRoleAsync("ViaBelow ", [Perm("DEAL", "READ", "ALL")]);
        (await Host.AssignAsync(role, departmentId: below, sub: true)).Ok();
        var view = (await Host.MutateAsync("createView", "mutation($input: CreateViewInput!) { createView(input: $input) { view { id } errors { code message path } } }",
            new { input = new { entityType = "deal", name = "Shared with below", sharing = "DEPARTMENT", departmentId = below } })).Ok()["view"]!["id"]!.GetValue<string>();

        var topRefused = await Host.MutateAsync("deleteDepartment", DeleteDepartmentMutation, new { id = top });
        Assert.Equal("IN_USE", topRefused.ErrorCode());
        Assert.Contains("1 department below", topRefused["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var belowRefused = await Host.MutateAsync("deleteDepartment", DeleteDepartmentMutation, new { id = below });
        Assert.Contains("1 person", belowRefused["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var (_, _, plainKey) = await Host.NewUserWithKeyAsync("plaindepartments");
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("deleteDepartment", DeleteDepartmentMutation, new { id = below }, plainKey)).ErrorCode());

        await Host.MutateAsync("updateUser", "mutation($id: ID!, $d: [ID!]) { updateUser(id: $id, input: { departmentIds: $d }) { user { id } errors { code message path } } }", new { id = userId, d = Array.Empty<string>() });
        Assert.Equal(below, (await Host.MutateAsync("deleteDepartment", DeleteDepartmentMutation, new { id = below })).Ok()["deletedId"]!.GetValue<string>());

        Assert.Empty(await AssignmentRowsAsync("department_id", below));
        var shared = (await Host.QueryRowsAsync($"SELECT sharing, department_id FROM {Host.Table("views", "views")} WHERE id = @p0", long.Parse(view, System.Globalization.CultureInfo.InvariantCulture))).Single();
        Assert.Equal("Private", shared["sharing"]);
        Assert.Null(shared["department_id"]);
        var departments = (await Host.QueryAsync("{ departments { id } }")).ShouldSucceed().Data!["departments"]!.AsArray();
        Assert.DoesNotContain(departments, d => d!["id"]!.GetValue<string>() == below);
        Assert.Equal("NOT_FOUND", (await Host.MutateAsync("deleteDepartment", DeleteDepartmentMutation, new { id = below })).ErrorCode());
        Assert.Equal("INVALID_ID", (await Host.MutateAsync("deleteDepartment", DeleteDepartmentMutation, new { id = "abc" })).ErrorCode());
        (await Host.MutateAsync("deleteDepartment", DeleteDepartmentMutation, new { id = top })).Ok();
    }

    [Fact]
    public async Task A_department_deleted_by_ten_admins_while_ten_others_write_under_it_leaves_nothing_naming_it()
    {
        var target = await Host.CreateDepartmentAsync(Records.NewMarker("Contested "));
        var roleId = await Host.CreateRoleAsync("ToContested ", [Perm("CONTACT", "READ", "OWN")]);
        const string create = "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } errors { code message path } } }";
        const string view = "mutation($input: CreateViewInput!) { createView(input: $input) { view { id } errors { code message path } } }";

        var writes = Enumerable.Range(0, 10).Select(i => (i % 3) switch
        {
            0 => Host.MutateAsync("createDepartment", create, new { input = new { name = Records.NewMarker("Under "), parentId = target } }),
            1 => Host.MutateAsync("createView", view, new { input = new { entityType = "deal", name = $"Contested {i}", sharing = "DEPARTMENT", departmentId = target } }),
            _ => Host.AssignAsync(roleId, departmentId: target),
        }).ToList();
        var deletes = Enumerable.Range(0, 10).Select(_ => Host.MutateAsync("deleteDepartment", DeleteDepartmentMutation, new { id = target })).ToList();
        var written = await Task.WhenAll(writes);
        var deleted = await Task.WhenAll(deletes);

        Assert.All(deleted.Where(d => d["deletedId"] is null), d => Assert.Contains(d.ErrorCode(), new[] { "NOT_FOUND", "IN_USE" }));
        Assert.All(written.Where(w => w["errors"]!.AsArray().Count > 0), w => Assert.Contains(w.ErrorCode(), new[] { "NOT_FOUND", "CONFLICT" }));
        var id = long.Parse(target, System.Globalization.CultureInfo.InvariantCulture);
        var children = await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", "departments")} WHERE parent_id = @p0", id);
        var stillThere = (await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", "departments")} WHERE id = @p0", id)).Count == 1;
        Assert.Equal(stillThere ? 0 : 1, deleted.Count(d => d["deletedId"] is not null));
        if (!stillThere)
        {
            Assert.Empty(children);
            Assert.Empty(await AssignmentRowsAsync("department_id", target));
            Assert.Empty(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("views", "views")} WHERE department_id = @p0", id));
        }
        else
        {
            // A department made under it first keeps it: every delete was refused as in use.
            Assert.NotEmpty(children);
            Assert.All(deleted, d => Assert.Equal("IN_USE", d.ErrorCode()));
        }
    }

    private const string DeleteRoleMutation = "mutation($id: ID!) { deleteRole(id: $id) { deletedId errors { code message path } } }";

    private async Task<List<Dictionary<string, object?>>> AssignmentRowsAsync(string column, string id) =>
        await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", "role_assignments")} WHERE {column} = @p0", long.Parse(id, System.Globalization.CultureInfo.InvariantCulture));

    private static Dictionary<(string, string?, string), string> Levels(JsonNode me) =>
        me["permissions"]!.AsArray().ToDictionary(
            p => (p!["entityType"]!.GetValue<string>(), p["partition"]?.GetValue<string>(), p["action"]!.GetValue<string>()),
            p => p!["level"]!.GetValue<string>());
}

[Trait("Engine", "Sqlite")]
public sealed class RolesAndDirectoryTestsOnSqlite(SqliteHost fixture) : RolesAndDirectoryTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RolesAndDirectoryTestsOnPostgres(PostgresHost fixture) : RolesAndDirectoryTests(fixture), IClassFixture<PostgresHost>;
