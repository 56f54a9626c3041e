using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Permissions;

/// <summary>
/// The permission matrix: a department tree three levels deep, users at each level, a role per
/// level, records assigned across the tree (one of them opened), and for every (user, level,
/// action, record) the outcome through GraphQL against the rule.
/// </summary>
public abstract class PermissionMatrixTests(HostFixture fixture)
{
    private const string Password = "correct horse battery staple";
    private static readonly string[] Levels = ["NONE", "OWN", "DEPARTMENT", "SUBDEPARTMENTS", "OPEN", "ALL"];

    private CrmHost Host => fixture.Host;

    private async Task<JsonNode> AdminAsync(string query, object? variables = null)
    {
        var response = (await Host.QueryAsync(query, variables)).ShouldSucceed();
        var payload = response.Data!.AsObject().Single().Value!;
        Assert.True(payload["errors"] is not JsonArray { Count: > 0 }, payload.ToJsonString());
        return payload;
    }

    private async Task<string> DepartmentAsync(string name, string? parentId) =>
        (await AdminAsync("mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } errors { code message } } }",
            new { input = new { name, parentId } }))["department"]!["id"]!.GetValue<string>();

    private async Task<(string Id, string Token)> UserAsync(string marker, string name, string departmentId)
    {
        var email = $"{name}.{marker}@example.com";
        var id = (await AdminAsync("mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code message } } }",
            new { input = new { email, password = Password, name, lastName = marker, departmentIds = new[] { departmentId } } }))["user"]!["id"]!.GetValue<string>();
        var login = (await Host.QueryAsync("mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken errors { code } } }",
            new { email, password = Password }, apiKey: null)).ShouldSucceed();
        return (id, login.Data!["login"]!["accessToken"]!.GetValue<string>());
    }

    private async Task<string> RoleAsync(string name, object[] permissions, bool canConfigure = false) =>
        (await AdminAsync("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { code message } } }",
            new { input = new { name, permissions, canConfigure } }))["role"]!["id"]!.GetValue<string>();

    private Task AssignAsync(string roleId, string userId, bool assign = true) =>
        AdminAsync($"mutation($roleId: ID!, $userId: ID!) {{ {(assign ? "assignRole" : "unassignRole")}(roleId: $roleId, userId: $userId) {{ errors {{ code message }} }} }}", new { roleId, userId });

    private static object[] AllActions(string entityType, string level) =>
        new[] { "READ", "ADD", "UPDATE", "DELETE" }.Select(action => (object)new { entityType, action, level }).ToArray();

    [Fact]
    public async Task Every_user_level_action_and_record_follows_the_rule()
    {
        var marker = Records.NewMarker("m");
        // R (top) > S > T, and O beside S under R.
        var r = await DepartmentAsync($"R {marker}", null);
        var s = await DepartmentAsync($"S {marker}", r);
        var t = await DepartmentAsync($"T {marker}", s);
        var o = await DepartmentAsync($"O {marker}", r);
        var users = new Dictionary<string, (string Id, string Token)>
        {
            ["r"] = await UserAsync(marker, "r", r),
            ["s"] = await UserAsync(marker, "s", s),
            ["s2"] = await UserAsync(marker, "s2", s),
            ["t"] = await UserAsync(marker, "t", t),
            ["o"] = await UserAsync(marker, "o", o),
        };
        var department = new Dictionary<string, string[]> { ["r"] = ["r"], ["s"] = ["s", "s2"], ["t"] = ["t"] };
        var subtree = new Dictionary<string, string[]> { ["r"] = ["r", "s", "s2", "t", "o"], ["s"] = ["s", "s2", "t"], ["t"] = ["t"] };
        bool Reaches(string viewer, string level, string assignee, bool opened) => level switch
        {
            "OWN" => assignee == viewer,
            "DEPARTMENT" => department[viewer].Contains(assignee),
            "SUBDEPARTMENTS" => subtree[viewer].Contains(assignee),
            "OPEN" => subtree[viewer].Contains(assignee) || opened,
            "ALL" => true,
            _ => false,
        };

        var roles = new Dictionary<string, string>();
        foreach (var level in Levels)
        {
            roles[level] = await RoleAsync($"contacts {level} {marker}", AllActions("CONTACT", level));
        }

        var placements = new (string Assignee, bool Opened)[] { ("r", false), ("s", false), ("s2", false), ("t", false), ("o", false), ("o", true) };
        async Task<string> RecordAsync(string assignee, bool opened, string label) =>
            await Host.CreateContactAsync(new { name = $"{marker} {label}", assignedById = users[assignee].Id, opened });

        var records = new List<(string Id, string Assignee, bool Opened)>();
        foreach (var (assignee, opened) in placements)
        {
            records.Add((await RecordAsync(assignee, opened, $"{assignee}{(opened ? " open" : "")}"), assignee, opened));
        }

        var mismatches = new List<string>();
        void Check(bool expected, bool actual, string what)
        {
            if (expected != actual)
            {
                mismatches.Add($"{what}: expected {(expected ? "allowed" : "refused")}");
            }
        }

        foreach (var viewer in new[] { "r", "s", "t" })
        {
            var token = users[viewer].Token;
            foreach (var level in Levels)
            {
                await AssignAsync(roles[level], users[viewer].Id);
                var visible = records.Where(x => Reaches(viewer, level, x.Assignee, x.Opened)).Select(x => x.Id).Order(StringComparer.Ordinal).ToList();

                // The list, filtered before paging: nodes and totalCount show the visible ones only.
                var list = await Host.QueryAsync("query($m: String!) { contacts(where: { name: { startsWith: $m } }, first: 50) { nodes { id } totalCount } }", new { m = marker + " " }, apiKey: token);
                if (level == "NONE")
                {
                    Check(false, list.Errors.Count == 0, $"{viewer}/{level}/list");
                    Assert.True(list.ErrorCodes.All(c => c == "FORBIDDEN"), list.Body.ToJsonString());
                }
                else
                {
                    list.ShouldSucceed();
                    var listed = Records.Ids(list.Data!["contacts"]!["nodes"]).Order(StringComparer.Ordinal).ToList();
                    if (!listed.SequenceEqual(visible) || list.Data!["contacts"]!["totalCount"]!.GetValue<int>() != visible.Count)
                    {
                        mismatches.Add($"{viewer}/{level}/list: expected [{string.Join(",", visible)}], got [{string.Join(",", listed)}] of {list.Data!["contacts"]!["totalCount"]}");
                    }
                }

                foreach (var (id, assignee, opened) in records)
                {
                    var expected = Reaches(viewer, level, assignee, opened);
                    var what = $"{viewer}/{level}/{assignee}{(opened ? "+open" : "")}";
                    var read = await Host.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id }, apiKey: token);
                    Check(expected, read.Errors.Count == 0 && read.Data?["contact"] is JsonObject, what + "/read");
                    if (!expected)
                    {
                        Assert.Equal(["FORBIDDEN"], read.ErrorCodes);
                    }

                    var update = (await Host.QueryAsync("mutation($id: ID!) { updateContact(id: $id, input: { comments: \"touched\" }) { errors { code } } }", new { id }, apiKey: token)).ShouldSucceed();
                    var updateErrors = update.Data!["updateContact"]!["errors"]!.AsArray();
                    Check(expected, updateErrors.Count == 0, what + "/update");
                    if (!expected)
                    {
                        Assert.Equal("FORBIDDEN", updateErrors[0]!["code"]!.GetValue<string>());
                    }

                    var doomed = await RecordAsync(assignee, opened, "doomed");
                    var delete = (await Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code } } }", new { id = doomed }, apiKey: token)).ShouldSucceed();
                    Check(expected, delete.Data!["deleteContact"]!["deletedId"] is not null, what + "/delete");
                    if (!expected)
                    {
                        await AdminAsync("mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code } } }", new { id = doomed });
                    }

                    var add = (await Host.QueryAsync("mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { code } } }",
                        new { input = new { name = $"{marker} added", assignedById = users[assignee].Id, opened } }, apiKey: token)).ShouldSucceed();
                    var added = add.Data!["createContact"]!["contact"]?["id"]?.GetValue<string>();
                    Check(expected, added is not null, what + "/add");
                    if (added is not null)
                    {
                        await AdminAsync("mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code } } }", new { id = added });
                    }
                }

                await AssignAsync(roles[level], users[viewer].Id, assign: false);
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task Roles_reach_users_through_departments_with_their_subdepartments_and_through_groups()
    {
        var marker = Records.NewMarker("d");
        var top = await DepartmentAsync($"Top {marker}", null);
        var middle = await DepartmentAsync($"Middle {marker}", top);
        var bottom = await DepartmentAsync($"Bottom {marker}", middle);
        var lowest = await UserAsync(marker, "low", bottom);
        var outsider = await UserAsync(marker, "out", top);
        var owner = await UserAsync(marker, "owner", top);
        var contact = await Host.CreateContactAsync(new { name = $"{marker} held", assignedById = owner.Id, opened = false });

        var role = await RoleAsync($"read all {marker}", [new { entityType = "CONTACT", action = "READ", level = "ALL" }]);
        async Task<bool> CanReadAsync(string token) =>
            (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id = contact }, apiKey: token)).Errors.Count == 0;

        Assert.False(await CanReadAsync(lowest.Token));
        // Given to the top department without its subdepartments: not to those below.
        await AdminAsync("mutation($roleId: ID!, $departmentId: ID!) { assignRole(roleId: $roleId, departmentId: $departmentId, withSubdepartments: false) { errors { code message } } }", new { roleId = role, departmentId = top });
        Assert.False(await CanReadAsync(lowest.Token));
        Assert.True(await CanReadAsync(outsider.Token));
        await AdminAsync("mutation($roleId: ID!, $departmentId: ID!) { assignRole(roleId: $roleId, departmentId: $departmentId, withSubdepartments: true) { errors { code message } } }", new { roleId = role, departmentId = middle });
        Assert.True(await CanReadAsync(lowest.Token));

        var groupRole = await RoleAsync($"deals {marker}", [new { entityType = "DEAL", action = "READ", level = "ALL" }]);
        var group = (await AdminAsync("mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } errors { code message } } }",
            new { input = new { name = $"Group {marker}", memberIds = new[] { lowest.Id } } }))["group"]!["id"]!.GetValue<string>();
        await AdminAsync("mutation($roleId: ID!, $groupId: ID!) { assignRole(roleId: $roleId, groupId: $groupId) { errors { code message } } }", new { roleId = groupRole, groupId = group });
        var me = (await Host.QueryAsync("{ me { permissions { entityType action level } } }", apiKey: lowest.Token)).ShouldSucceed();
        var permissions = me.Data!["me"]!["permissions"]!.AsArray().Select(p => $"{p!["entityType"]}/{p["action"]}/{p["level"]}").ToList();
        Assert.Contains("CONTACT/READ/ALL", permissions);
        Assert.Contains("DEAL/READ/ALL", permissions);
    }

    [Fact]
    public async Task A_hidden_linked_record_is_null_with_an_error_and_deal_rights_differ_by_pipeline()
    {
        var marker = Records.NewMarker("x");
        var department = await DepartmentAsync($"Sales {marker}", null);
        var seller = await UserAsync(marker, "seller", department);
        var other = await UserAsync(marker, "other", department);
        var pipeline = (await AdminAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id } errors { code message } } }",
            new { input = new { name = $"Open pipeline {marker}" } }))["pipeline"]!["id"]!.GetValue<string>();
        await AssignAsync(await RoleAsync($"sales {marker}",
        [
            new { entityType = "DEAL", action = "READ", level = "OWN" },
            new { entityType = "DEAL", partition = pipeline, action = "READ", level = "ALL" },
            new { entityType = "COMPANY", action = "READ", level = "OWN" },
        ]), seller.Id);

        var company = await Host.CreateCompanyAsync(new { title = $"{marker} secret", assignedById = other.Id, opened = false });
        var mine = await Host.CreateDealAsync(new { title = $"{marker} mine", assignedById = seller.Id, companyId = company });
        var theirsDefault = await Host.CreateDealAsync(new { title = $"{marker} theirs", assignedById = other.Id });
        var theirsOpen = await Host.CreateDealAsync(new { title = $"{marker} theirs open", assignedById = other.Id, pipelineId = pipeline });

        var list = (await Host.QueryAsync("query($m: String!) { deals(where: { title: { startsWith: $m } }) { nodes { id } totalCount } }", new { m = marker }, apiKey: seller.Token)).ShouldSucceed();
        Assert.Equal(new[] { mine, theirsOpen }.Order(StringComparer.Ordinal), Records.Ids(list.Data!["deals"]!["nodes"]).Order(StringComparer.Ordinal));
        Assert.Equal(2, list.Data!["deals"]!["totalCount"]!.GetValue<int>());
        var searched = (await Host.QueryAsync("query($m: String!) { deals(search: $m) { nodes { id } totalCount } }", new { m = marker }, apiKey: seller.Token)).ShouldSucceed();
        Assert.Equal(2, searched.Data!["deals"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(["FORBIDDEN"], (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { id } }", new { id = theirsDefault }, apiKey: seller.Token)).ErrorCodes);

        var linked = await Host.QueryAsync("query($id: ID!) { deal(id: $id) { title companyId company { title } } }", new { id = mine }, apiKey: seller.Token);
        Assert.Equal(company, linked.Data!["deal"]!["companyId"]!.GetValue<string>());
        Assert.Null(linked.Data!["deal"]!["company"]);
        Assert.Equal(["FORBIDDEN"], linked.ErrorCodes);
        Assert.Equal(["deal", "company"], linked.Errors[0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.DoesNotContain("secret", linked.Body.ToJsonString(), StringComparison.Ordinal);

        // A custom CRM link to the hidden company shows the link, not the company.
        var code = $"UF_CRM_LINK_{marker.ToUpperInvariant()}";
        var field = Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);
        await AdminAsync("mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
            new { input = new { entityType = "DEAL", code, type = "CRM", label = "Partner" } });
        await AdminAsync($"mutation($id: ID!, $company: ID!) {{ updateDeal(id: $id, input: {{ {field}: {{ entityType: COMPANY, id: $company }} }}) {{ errors {{ code message }} }} }}", new { id = mine, company });
        var custom = await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ {field} {{ entityType id record {{ ... on Company {{ title }} }} }} }} }}", new { id = mine }, apiKey: seller.Token);
        Assert.Equal(company, custom.Data!["deal"]![field]!["id"]!.GetValue<string>());
        Assert.Null(custom.Data!["deal"]![field]!["record"]);
        Assert.Equal(["FORBIDDEN"], custom.ErrorCodes);
        Assert.DoesNotContain("secret", custom.Body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rights_may_differ_by_deal_stage_and_lead_status()
    {
        var marker = Records.NewMarker("st");
        var department = await DepartmentAsync($"Closers {marker}", null);
        var closer = await UserAsync(marker, "closer", department);
        await AssignAsync(await RoleAsync($"closers {marker}",
        [
            .. AllActions("DEAL", "ALL"),
            // Won deals of the default pipeline are read-only, and junk leads are hidden.
            new { entityType = "DEAL", partition = "0/WON", action = "UPDATE", level = "NONE" },
            new { entityType = "LEAD", action = "READ", level = "ALL" },
            new { entityType = "LEAD", partition = "JUNK", action = "READ", level = "NONE" },
        ]), closer.Id);

        var open = await Host.CreateDealAsync(new { title = $"{marker} open" });
        var won = await Host.CreateDealAsync(new { title = $"{marker} won", stageId = "WON" });
        async Task<string?> UpdateAsync(string id, string input) =>
            (await Host.QueryAsync($"mutation($id: ID!) {{ updateDeal(id: $id, input: {{ {input} }}) {{ errors {{ code }} }} }}", new { id }, apiKey: closer.Token))
                .ShouldSucceed().Data!["updateDeal"]!["errors"]!.AsArray().FirstOrDefault()?["code"]?.GetValue<string>();

        Assert.Null(await UpdateAsync(open, "comments: \"fine\""));
        Assert.Equal("FORBIDDEN", await UpdateAsync(won, "comments: \"too late\""));
        // Moving a deal into the stage one may not update is refused too.
        Assert.Equal("FORBIDDEN", await UpdateAsync(open, "stageId: \"WON\""));
        Assert.Null(await UpdateAsync(open, "stageId: \"LOSE\""));
        // Reading is not touched by the UPDATE partition.
        Assert.Empty((await Host.QueryAsync("query($id: ID!) { deal(id: $id) { id } }", new { id = won }, apiKey: closer.Token)).Errors);

        var junk = await Host.CreateLeadAsync(new { title = $"{marker} junk", statusId = "JUNK" });
        var fresh = await Host.CreateLeadAsync(new { title = $"{marker} fresh" });
        var leads = (await Host.QueryAsync("query($m: String!) { leads(where: { title: { startsWith: $m } }) { nodes { id } totalCount } }", new { m = marker }, apiKey: closer.Token)).ShouldSucceed();
        Assert.Equal([fresh], Records.Ids(leads.Data!["leads"]!["nodes"]));
        Assert.Equal(["FORBIDDEN"], (await Host.QueryAsync("query($id: ID!) { lead(id: $id) { id } }", new { id = junk }, apiKey: closer.Token)).ErrorCodes);

        var me = (await Host.QueryAsync("{ me { permissions { entityType partition action level } } }", apiKey: closer.Token)).ShouldSucceed();
        Assert.Contains(me.Data!["me"]!["permissions"]!.AsArray(), p => p!["partition"]?.GetValue<string>() == "0/WON" && p["level"]!.GetValue<string>() == "NONE");

        var refused = (await Host.QueryAsync("mutation($input: CreateRoleInput!) { createRole(input: $input) { errors { code path } } }",
            new { input = new { name = $"bad {marker}", permissions = new[] { new { entityType = "CONTACT", partition = "x", action = "READ", level = "ALL" } } } })).ShouldSucceed();
        Assert.Equal("INVALID_VALUE", refused.Data!["createRole"]!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Settings_conversion_and_self_granting_need_their_rights_and_the_bootstrap_admin_has_them_all()
    {
        var marker = Records.NewMarker("c");
        var department = await DepartmentAsync($"Leads {marker}", null);
        var user = await UserAsync(marker, "leads", department);
        var leadsOnly = await RoleAsync($"leads {marker}", [.. AllActions("LEAD", "ALL"), new { entityType = "DEAL", action = "ADD", level = "ALL" }]);
        await AssignAsync(leadsOnly, user.Id);

        var lead = await Host.CreateLeadAsync(new { title = $"{marker} lead", name = "Converted", assignedById = user.Id });
        var conversion = (await Host.QueryAsync("mutation($id: ID!) { convertLead(id: $id, input: { createContact: true, createDeal: { title: \"x\" } }) { deal { id } errors { code path } } }",
            new { id = lead }, apiKey: user.Token)).ShouldSucceed();
        var errors = conversion.Data!["convertLead"]!["errors"]!.AsArray();
        Assert.Contains(errors, e => e!["code"]!.GetValue<string>() == "FORBIDDEN" && e["path"]![1]!.GetValue<string>() == "createContact");
        Assert.Null(conversion.Data!["convertLead"]!["deal"]);

        var listEdit = (await Host.QueryAsync("mutation { addSelectionListItem(input: { entityId: \"SOURCE\", name: \"Nope\" }) { errors { code } } }", apiKey: user.Token)).ShouldSucceed();
        Assert.Equal("FORBIDDEN", listEdit.Data!["addSelectionListItem"]!["errors"]![0]!["code"]!.GetValue<string>());
        var fieldEdit = (await Host.QueryAsync("mutation { createCustomField(input: { entityType: LEAD, code: \"UF_CRM_NOPE\", type: STRING, label: \"Nope\" }) { errors { code } } }", apiKey: user.Token)).ShouldSucceed();
        Assert.Equal("FORBIDDEN", fieldEdit.Data!["createCustomField"]!["errors"]![0]!["code"]!.GetValue<string>());

        // Not even someone with the settings right may grant themselves a role.
        var configurer = await RoleAsync($"settings {marker}", [], canConfigure: true);
        await AssignAsync(configurer, user.Id);
        var everything = await RoleAsync($"everything {marker}", AllActions("CONTACT", "ALL"));
        var selfGrant = (await Host.QueryAsync("mutation($roleId: ID!, $userId: ID!) { assignRole(roleId: $roleId, userId: $userId) { errors { code } } }",
            new { roleId = everything, userId = user.Id }, apiKey: user.Token)).ShouldSucceed();
        Assert.Equal("FORBIDDEN", selfGrant.Data!["assignRole"]!["errors"]![0]!["code"]!.GetValue<string>());

        // The bootstrap administrator does everything.
        var all = (await Host.QueryAsync("{ leads { totalCount } deals { totalCount } contacts { totalCount } companies { totalCount } me { isAdministrator canConfigure } }")).ShouldSucceed();
        Assert.True(all.Data!["me"]!["isAdministrator"]!.GetValue<bool>());
    }
}

public sealed class PermissionMatrixTestsOnSqlite(SqliteHost fixture) : PermissionMatrixTests(fixture), IClassFixture<SqliteHost>;

public sealed class PermissionMatrixTestsOnPostgres(PostgresHost fixture) : PermissionMatrixTests(fixture), IClassFixture<PostgresHost>;
