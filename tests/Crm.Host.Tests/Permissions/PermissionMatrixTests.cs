using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Permissions;

/// <summary>
/// The permission matrix: a department tree three levels deep, users at each level, a role per
/// level, records of every built-in type assigned across the tree (some opened), and for every
/// (record type, action, level, viewer, record) the outcome through GraphQL against the rule:
/// reading, listing, adding, updating, reassigning and deleting; then moves of deals between
/// pipelines and stages (and of leads between statuses) against the rights on both sides. Every
/// wrong cell is reported, by name, at the end.
/// </summary>
public abstract class PermissionMatrixTests(HostFixture fixture)
{
    private static readonly string[] Levels = ["NONE", "OWN", "DEPARTMENT", "SUBDEPARTMENTS", "OPEN", "ALL"];

    /// <summary>A record type as the API names it: its single field, list, GraphQL type, role entity type and the text field it is named by.</summary>
    private sealed record RecordType(string Single, string Plural, string Graph, string EntityType, string NameField);

    private static readonly RecordType[] Types =
    [
        new("contact", "contacts", "Contact", "CONTACT", "name"),
        new("company", "companies", "Company", "COMPANY", "title"),
        new("deal", "deals", "Deal", "DEAL", "title"),
        new("lead", "leads", "Lead", "LEAD", "title"),
    ];

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

    /// <summary>A user in a department, and an API key acting as them (no password hashing: the matrix makes many).</summary>
    private async Task<(string Id, string Token)> UserAsync(string marker, string name, string departmentId)
    {
        var id = (await AdminAsync("mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code message } } }",
            new { input = new { email = $"{name}.{marker}@example.com", name, lastName = marker, departmentIds = new[] { departmentId } } }))["user"]!["id"]!.GetValue<string>();
        var key = (await AdminAsync("mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key errors { code message } } }",
            new { input = new { userId = id, name = "matrix" } }))["key"]!.GetValue<string>();
        return (id, key);
    }

    private async Task<string> RoleAsync(string name, object[] permissions, bool canConfigure = false) =>
        (await AdminAsync("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { code message } } }",
            new { input = new { name, permissions, canConfigure } }))["role"]!["id"]!.GetValue<string>();

    private Task AssignAsync(string roleId, string userId, bool assign = true) =>
        AdminAsync($"mutation($roleId: ID!, $userId: ID!) {{ {(assign ? "assignRole" : "unassignRole")}(roleId: $roleId, userId: $userId) {{ errors {{ code message }} }} }}", new { roleId, userId });

    private static object[] AllActions(string entityType, string level) =>
        new[] { "READ", "ADD", "UPDATE", "DELETE" }.Select(action => (object)new { entityType, action, level }).ToArray();

    /// <summary>The cells found wrong; the test fails at its end with all of them.</summary>
    private sealed class Mismatches
    {
        private readonly List<string> _cells = [];

        /// <summary>Compares one cell: allowed or not, and a refusal's code (FORBIDDEN).</summary>
        public void Check(string cell, bool expected, string? refusal)
        {
            if (expected && refusal is not null)
            {
                _cells.Add($"{cell}: expected allowed, got {refusal}");
            }
            else if (!expected && refusal is null)
            {
                _cells.Add($"{cell}: expected FORBIDDEN, got allowed");
            }
            else if (!expected && refusal != "FORBIDDEN")
            {
                _cells.Add($"{cell}: expected FORBIDDEN, got {refusal}");
            }
        }

        public void Add(string cell) => _cells.Add(cell);

        public void ShouldBeNone() => Assert.True(_cells.Count == 0, $"{_cells.Count} cell(s) of the permission matrix are wrong:\n{string.Join("\n", _cells)}");
    }

    /// <summary>The first error code of a mutation payload, or null when it succeeded.</summary>
    private static string? Refusal(GraphQLResponse response, string field)
    {
        if (response.Errors.Count > 0)
        {
            return string.Join(",", response.ErrorCodes);
        }

        return response.Data![field]!["errors"]!.AsArray().FirstOrDefault()?["code"]?.GetValue<string>();
    }

    [Fact]
    public async Task Every_record_type_action_level_viewer_and_record_follows_the_rule()
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

        // One role per level, over every type and every action (EXPORT and IMPORT too, which no capability uses yet).
        var roles = new Dictionary<string, string>();
        foreach (var level in Levels)
        {
            roles[level] = await RoleAsync($"matrix {level} {marker}",
                Types.SelectMany(type => new[] { "READ", "ADD", "UPDATE", "DELETE", "EXPORT", "IMPORT" }.Select(action => (object)new { entityType = type.EntityType, action, level })).ToArray());
        }

        object Input(RecordType type, string name, string assignee, bool opened) =>
            new Dictionary<string, object?> { [type.NameField] = name, ["assignedById"] = users[assignee].Id, ["opened"] = opened };

        async Task<string> CreateAsync(RecordType type, string name, string assignee, bool opened) =>
            (await AdminAsync($"mutation($input: Create{type.Graph}Input!) {{ create{type.Graph}(input: $input) {{ {type.Single} {{ id }} errors {{ code message }} }} }}",
                new { input = Input(type, name, assignee, opened) }))[type.Single]!["id"]!.GetValue<string>();

        var placements = new (string Assignee, bool Opened)[] { ("r", false), ("s", false), ("s2", false), ("t", false), ("o", false), ("o", true) };
        string Of(string assignee, bool opened) => $"a record of {assignee}{(opened ? " (opened)" : "")}";
        var records = new Dictionary<string, List<(string Id, string Assignee, bool Opened)>>();
        // What each record's comments should read: the last update allowed to it.
        var comments = new Dictionary<string, string?>();
        // Records to delete: one per type and placement, made again once one is deleted.
        var doomed = new Dictionary<(string Type, string Assignee, bool Opened), string>();
        var addedAllowed = new Dictionary<string, int>();
        foreach (var type in Types)
        {
            records[type.Single] = [];
            addedAllowed[type.Single] = 0;
            foreach (var (assignee, opened) in placements)
            {
                var id = await CreateAsync(type, $"{marker} {assignee}{(opened ? " open" : "")}", assignee, opened);
                records[type.Single].Add((id, assignee, opened));
                comments[type.Single + id] = null;
            }
        }

        var wrong = new Mismatches();
        foreach (var viewer in new[] { "r", "s", "t" })
        {
            var token = users[viewer].Token;
            foreach (var level in Levels)
            {
                await AssignAsync(roles[level], users[viewer].Id);
                var me = (await Host.QueryAsync("{ me { permissions { entityType partition action level } } }", apiKey: token)).ShouldSucceed();
                var shown = me.Data!["me"]!["permissions"]!.AsArray().Select(p => $"{p!["entityType"]}/{p["action"]}/{p["level"]}").ToHashSet();
                foreach (var type in Types)
                {
                    var cell = $"{type.Single}/{{0}}/{level} as {viewer}";
                    foreach (var action in new[] { "READ", "ADD", "UPDATE", "DELETE", "EXPORT", "IMPORT" })
                    {
                        // me lists what a role grants (NONE is no grant).
                        if (shown.Contains($"{type.EntityType}/{action}/{level}") != (level != "NONE"))
                        {
                            wrong.Add($"{string.Format(System.Globalization.CultureInfo.InvariantCulture, cell, action)}: me.permissions shows [{string.Join(", ", shown.Where(p => p.StartsWith(type.EntityType + "/" + action + "/", StringComparison.Ordinal)))}]");
                        }
                    }

                    string Cell(string action, string what) => $"{string.Format(System.Globalization.CultureInfo.InvariantCulture, cell, action)}, {what}";

                    // The list, filtered before paging: nodes and totalCount show the visible ones only.
                    var visible = records[type.Single].Where(x => Reaches(viewer, level, x.Assignee, x.Opened)).Select(x => x.Id).Order(StringComparer.Ordinal).ToList();
                    var list = await Host.QueryAsync($"query($m: String!) {{ {type.Plural}(where: {{ {type.NameField}: {{ startsWith: $m }} }}, first: 50) {{ nodes {{ id }} totalCount }} }}", new { m = marker + " " }, apiKey: token);
                    if (level == "NONE")
                    {
                        wrong.Check(Cell("READ", "the list"), false, list.Errors.Count == 0 ? null : string.Join(",", list.ErrorCodes));
                    }
                    else if (list.Errors.Count > 0)
                    {
                        wrong.Add($"{Cell("READ", "the list")}: expected [{string.Join(",", visible)}], got {string.Join(",", list.ErrorCodes)}");
                    }
                    else
                    {
                        var listed = Records.Ids(list.Data![type.Plural]!["nodes"]).Order(StringComparer.Ordinal).ToList();
                        var total = list.Data![type.Plural]!["totalCount"]!.GetValue<int>();
                        if (!listed.SequenceEqual(visible) || total != visible.Count)
                        {
                            wrong.Add($"{Cell("READ", "the list")}: expected [{string.Join(",", visible)}], got [{string.Join(",", listed)}] of totalCount {total}");
                        }
                    }

                    // Every record read in one request: each hidden one is null with FORBIDDEN at its own path.
                    var read = await Host.QueryAsync(
                        "query { " + string.Concat(records[type.Single].Select((x, i) => $"r{i}: {type.Single}(id: \"{x.Id}\") {{ id }} ")) + "}", apiKey: token);
                    for (var i = 0; i < records[type.Single].Count; i++)
                    {
                        var (id, assignee, opened) = records[type.Single][i];
                        var error = read.Errors.FirstOrDefault(e => e!["path"]?[0]?.GetValue<string>() == $"r{i}");
                        var refusal = error is not null ? error["extensions"]?["code"]?.GetValue<string>() ?? "an error"
                            : read.Data?[$"r{i}"]?["id"]?.GetValue<string>() == id ? null : "no record";
                        wrong.Check(Cell("READ", Of(assignee, opened)), Reaches(viewer, level, assignee, opened), refusal);
                    }

                    foreach (var (id, assignee, opened) in records[type.Single])
                    {
                        var expected = Reaches(viewer, level, assignee, opened);
                        var text = $"{viewer}/{level}";
                        var update = await Host.QueryAsync($"mutation($id: ID!, $c: String!) {{ update{type.Graph}(id: $id, input: {{ comments: $c }}) {{ errors {{ code }} }} }}", new { id, c = text }, apiKey: token);
                        var refusal = Refusal(update, "update" + type.Graph);
                        wrong.Check(Cell("UPDATE", Of(assignee, opened)), expected, refusal);
                        if (refusal is null)
                        {
                            comments[type.Single + id] = text;
                        }

                        if (!doomed.TryGetValue((type.Single, assignee, opened), out var victim))
                        {
                            victim = doomed[(type.Single, assignee, opened)] = await CreateAsync(type, $"{marker}-doomed", assignee, opened);
                        }

                        var delete = await Host.QueryAsync($"mutation($id: ID!) {{ delete{type.Graph}(id: $id) {{ deletedId errors {{ code }} }} }}", new { id = victim }, apiKey: token);
                        refusal = Refusal(delete, "delete" + type.Graph) ?? (delete.Data!["delete" + type.Graph]!["deletedId"]?.GetValue<string>() == victim ? null : "no deletedId");
                        wrong.Check(Cell("DELETE", Of(assignee, opened)), expected, refusal);
                        if (refusal is null)
                        {
                            doomed.Remove((type.Single, assignee, opened));
                        }

                        var add = await Host.QueryAsync($"mutation($input: Create{type.Graph}Input!) {{ create{type.Graph}(input: $input) {{ {type.Single} {{ id }} errors {{ code }} }} }}",
                            new { input = Input(type, $"{marker}-added", assignee, opened) }, apiKey: token);
                        refusal = Refusal(add, "create" + type.Graph);
                        wrong.Check(Cell("ADD", Of(assignee, opened)), expected, refusal);
                        if (refusal is null)
                        {
                            addedAllowed[type.Single]++;
                        }
                    }

                    // Reassigning one's own record: allowed when the new assignee is within reach too.
                    var own = records[type.Single].Single(x => x.Assignee == viewer);
                    foreach (var target in users.Keys.Where(u => u != viewer))
                    {
                        var reassign = await Host.QueryAsync($"mutation($id: ID!, $to: ID!) {{ update{type.Graph}(id: $id, input: {{ assignedById: $to }}) {{ errors {{ code }} }} }}",
                            new { id = own.Id, to = users[target].Id }, apiKey: token);
                        var refusal = Refusal(reassign, "update" + type.Graph);
                        wrong.Check(Cell("UPDATE", $"its own record given to {target}"), Reaches(viewer, level, viewer, false) && Reaches(viewer, level, target, false), refusal);
                        if (refusal is null)
                        {
                            await AdminAsync($"mutation($id: ID!, $to: ID!) {{ update{type.Graph}(id: $id, input: {{ assignedById: $to }}) {{ errors {{ code message }} }} }}", new { id = own.Id, to = users[viewer].Id });
                        }
                    }
                }

                await AssignAsync(roles[level], users[viewer].Id, assign: false);

                // What the refusals left: no comment, no reassignment, no deletion, no record they did not allow.
                foreach (var type in Types)
                {
                    var state = (await Host.QueryAsync(
                        $"query($m: String!, $a: String!, $d: String!) {{ mine: {type.Plural}(where: {{ {type.NameField}: {{ startsWith: $m }} }}, first: 50) {{ nodes {{ id comments assignedById }} }} added: {type.Plural}(where: {{ {type.NameField}: {{ eq: $a }} }}) {{ totalCount }} doomed: {type.Plural}(where: {{ {type.NameField}: {{ eq: $d }} }}) {{ totalCount }} }}",
                        new { m = marker + " ", a = $"{marker}-added", d = $"{marker}-doomed" })).ShouldSucceed().Data!;
                    var left = state["mine"]!["nodes"]!.AsArray().ToDictionary(n => n!["id"]!.GetValue<string>(), n => n!);
                    foreach (var (id, assignee, opened) in records[type.Single])
                    {
                        var what = $"{type.Single}/UPDATE/{level} as {viewer}, {Of(assignee, opened)}";
                        if (!left.TryGetValue(id, out var node))
                        {
                            wrong.Add($"{what}: the record is gone");
                            continue;
                        }

                        if (node["comments"]?.GetValue<string>() is var written && written != comments[type.Single + id])
                        {
                            wrong.Add($"{what}: its comments read '{written}' where only the allowed updates left '{comments[type.Single + id]}'");
                        }

                        if (node["assignedById"]?.GetValue<string>() is var holder && holder != users[assignee].Id)
                        {
                            wrong.Add($"{what}: it is assigned to user {holder} after the reassignments");
                        }
                    }

                    var added = state["added"]!["totalCount"]!.GetValue<int>();
                    if (added != addedAllowed[type.Single])
                    {
                        wrong.Add($"{type.Single}/ADD/{level} as {viewer}: {added} record(s) exist where {addedAllowed[type.Single]} create(s) were allowed");
                    }

                    var kept = state["doomed"]!["totalCount"]!.GetValue<int>();
                    var refusedDeletes = doomed.Keys.Count(k => k.Type == type.Single);
                    if (kept != refusedDeletes)
                    {
                        wrong.Add($"{type.Single}/DELETE/{level} as {viewer}: {kept} record(s) to delete are left where {refusedDeletes} delete(s) were refused");
                    }
                }
            }
        }

        wrong.ShouldBeNone();
    }

    [Fact]
    public async Task Moving_a_deal_between_pipelines_and_stages_or_a_lead_between_statuses_needs_the_right_at_both_ends()
    {
        var marker = Records.NewMarker("mv");
        var sales = await DepartmentAsync($"Movers {marker}", null);
        var mover = await UserAsync(marker, "mover", sales);
        var other = await UserAsync(marker, "other", sales);
        var pipeline = (await AdminAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id } errors { code message } } }",
            new { input = new { name = $"Second {marker}" } }))["pipeline"]!["id"]!.GetValue<string>();
        string[] levels = ["NONE", "OWN", "ALL"];
        bool Reach(string level, string owner) => level == "ALL" || (level == "OWN" && owner == mover.Id);
        var wrong = new Mismatches();

        // Tries one move as the mover; a refused one must leave the record where it was.
        async Task TryAsync(string cell, bool expected, string type, string id, string input, string field)
        {
            var single = type.ToLowerInvariant();
            string Where(GraphQLResponse r) => r.ShouldSucceed().Data![single]![field]!.GetValue<string>();
            var before = Where(await Host.QueryAsync($"query($id: ID!) {{ {single}(id: $id) {{ {field} }} }}", new { id }));
            var response = await Host.QueryAsync($"mutation($id: ID!) {{ update{type}(id: $id, input: {{ {input} }}) {{ errors {{ code }} }} }}", new { id }, apiKey: mover.Token);
            var refusal = Refusal(response, "update" + type);
            wrong.Check(cell, expected, refusal);
            var after = Where(await Host.QueryAsync($"query($id: ID!) {{ {single}(id: $id) {{ {field} }} }}", new { id }));
            if (refusal is not null && after != before)
            {
                wrong.Add($"{cell}: refused, yet its {field} went from {before} to {after}");
            }
        }

        foreach (var from in levels)
        {
            foreach (var to in levels)
            {
                // UPDATE is 'from' on the default pipeline and on leads; 'to' on the second pipeline,
                // on the default pipeline's WON stage and on junk leads.
                var role = await RoleAsync($"moves {from} {to} {marker}",
                [
                    new { entityType = "DEAL", action = "READ", level = "ALL" },
                    new { entityType = "DEAL", partition = "0", action = "UPDATE", level = from },
                    new { entityType = "DEAL", partition = "0/WON", action = "UPDATE", level = to },
                    new { entityType = "DEAL", partition = pipeline, action = "UPDATE", level = to },
                    new { entityType = "LEAD", action = "READ", level = "ALL" },
                    new { entityType = "LEAD", action = "UPDATE", level = from },
                    new { entityType = "LEAD", partition = "JUNK", action = "UPDATE", level = to },
                ]);
                await AssignAsync(role, mover.Id);
                foreach (var owner in new[] { mover.Id, other.Id })
                {
                    var whose = owner == mover.Id ? "own" : "another's";
                    // A move needs UPDATE where the record is and where it goes.
                    Task MoveAsync(string type, string id, string move, string input, string field, string start, string end) =>
                        TryAsync($"{type.ToLowerInvariant()}/UPDATE {whose} {type.ToLowerInvariant()} {move}, with UPDATE {start} where it is and {end} where it goes",
                            Reach(start, owner) && Reach(end, owner), type, id, input, field);

                    var deal = await Host.CreateDealAsync(new { title = $"{marker} deal", assignedById = owner });
                    await MoveAsync("Deal", deal, $"from pipeline 0 to pipeline {pipeline}", $"pipelineId: \"{pipeline}\"", "pipelineId", from, to);
                    var second = await Host.CreateDealAsync(new { title = $"{marker} deal", assignedById = owner, pipelineId = pipeline });
                    await MoveAsync("Deal", second, $"from pipeline {pipeline} to pipeline 0", "pipelineId: \"0\"", "pipelineId", to, from);
                    var third = await Host.CreateDealAsync(new { title = $"{marker} deal", assignedById = owner, pipelineId = pipeline });
                    await MoveAsync("Deal", third, $"between two stages of pipeline {pipeline}", $"stageId: \"C{pipeline}:PREPARATION\"", "stageId", to, to);
                    var open = await Host.CreateDealAsync(new { title = $"{marker} deal", assignedById = owner });
                    await MoveAsync("Deal", open, "from stage NEW to PREPARATION of pipeline 0", "stageId: \"PREPARATION\"", "stageId", from, from);
                    await MoveAsync("Deal", open, "into stage 0/WON", "stageId: \"WON\"", "stageId", from, to);
                    var won = await Host.CreateDealAsync(new { title = $"{marker} deal", assignedById = owner, stageId = "WON" });
                    await MoveAsync("Deal", won, "out of stage 0/WON", "stageId: \"LOSE\"", "stageId", to, from);

                    var lead = await Host.CreateLeadAsync(new { title = $"{marker} lead", assignedById = owner });
                    await MoveAsync("Lead", lead, "from status NEW to IN_PROCESS", "statusId: \"IN_PROCESS\"", "statusId", from, from);
                    await MoveAsync("Lead", lead, "into status JUNK", "statusId: \"JUNK\"", "statusId", from, to);
                    var junk = await Host.CreateLeadAsync(new { title = $"{marker} lead", assignedById = owner, statusId = "JUNK" });
                    await MoveAsync("Lead", junk, "out of status JUNK", "statusId: \"NEW\"", "statusId", to, from);
                }

                await AssignAsync(role, mover.Id, assign: false);
            }
        }

        wrong.ShouldBeNone();
    }

    [Fact]
    public async Task EXPORT_and_IMPORT_rights_are_kept_and_shown_but_give_no_other_right()
    {
        var marker = Records.NewMarker("ex");
        var user = await UserAsync(marker, "exporter", await DepartmentAsync($"Exporters {marker}", null));
        await AssignAsync(await RoleAsync($"export import {marker}",
            Types.SelectMany(type => new[] { "EXPORT", "IMPORT" }.Select(action => (object)new { entityType = type.EntityType, action, level = "ALL" })).ToArray()), user.Id);
        var record = await Host.CreateContactAsync(new { name = $"{marker} kept" });

        var me = (await Host.QueryAsync("{ me { permissions { entityType action level } } }", apiKey: user.Token)).ShouldSucceed();
        var shown = me.Data!["me"]!["permissions"]!.AsArray().Select(p => $"{p!["entityType"]}/{p["action"]}/{p["level"]}").Order(StringComparer.Ordinal);
        Assert.Equal(Types.SelectMany(t => new[] { $"{t.EntityType}/EXPORT/ALL", $"{t.EntityType}/IMPORT/ALL" }).Order(StringComparer.Ordinal), shown);

        // No capability exports or imports yet: the rights read nothing and write nothing.
        foreach (var type in Types)
        {
            Assert.Equal(["FORBIDDEN"], (await Host.QueryAsync($"{{ {type.Plural} {{ totalCount }} }}", apiKey: user.Token)).ErrorCodes);
            var add = await Host.QueryAsync($"mutation($input: Create{type.Graph}Input!) {{ create{type.Graph}(input: $input) {{ errors {{ code }} }} }}",
                new { input = new Dictionary<string, object?> { [type.NameField] = $"{marker} imported" } }, apiKey: user.Token);
            Assert.Equal("FORBIDDEN", Refusal(add, "create" + type.Graph));
        }

        Assert.Equal(["FORBIDDEN"], (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id = record }, apiKey: user.Token)).ErrorCodes);
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
        // Read first by the administrator, who reaches every deal: the seller's read must not take the compiled query it leaves.
        Assert.Equal(theirsDefault, (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { id } }", new { id = theirsDefault })).ShouldSucceed().Data!["deal"]!["id"]!.GetValue<string>());
        Assert.Equal(["FORBIDDEN"], (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { id } }", new { id = theirsDefault }, apiKey: seller.Token)).ErrorCodes);

        // The administrator reads the same selection first: a read that reaches every record may take a
        // compiled query kept across requests, and the seller's read after it must still be narrowed.
        var asAdmin = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { title companyId company { title } } }", new { id = mine })).ShouldSucceed();
        Assert.Equal($"{marker} secret", asAdmin.Data!["deal"]!["company"]!["title"]!.GetValue<string>());
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

[Trait("Engine", "Sqlite")]
public sealed class PermissionMatrixTestsOnSqlite(SqliteHost fixture) : PermissionMatrixTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class PermissionMatrixTestsOnPostgres(PostgresHost fixture) : PermissionMatrixTests(fixture), IClassFixture<PostgresHost>;
