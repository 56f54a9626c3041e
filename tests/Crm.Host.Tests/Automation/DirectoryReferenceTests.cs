using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// A department or role that a rule's or process's draft or active version names is kept:
/// <c>deleteDepartment</c> and <c>deleteRole</c> are refused (<c>IN_USE</c>, naming them) until no such
/// version does, a save racing a delete never leaves a version naming what is gone, and versions saved
/// before the platform recorded what they name get it at the next start.
/// </summary>
public abstract class DirectoryReferenceTests(HostFixture fixture)
{
    private const string RoundRobin = "records.assignRoundRobin";
    private const string CreateRule = "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }";
    private const string DeleteDepartment = "mutation($id: ID!) { deleteDepartment(id: $id) { deletedId errors { code message path } } }";
    private const string DeleteRole = "mutation($id: ID!) { deleteRole(id: $id) { deletedId errors { code message path } } }";

    private CrmHost Host => fixture.Host;

    private static long Id(string id) => long.Parse(id, CultureInfo.InvariantCulture);

    private static object RuleInput(string name, object parameters) =>
        new { name, trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = RoundRobin, @params = parameters } } };

    private async Task<string> RuleAsync(string name, object parameters, bool activate)
    {
        var id = (await Host.MutateAsync("createAutomationRule", CreateRule, new { input = RuleInput(name, parameters) })).Ok()["rule"]!["id"].Str();
        if (activate)
        {
            (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        }

        return id;
    }

    private static string Message(JsonNode payload) => payload["errors"]![0]!["message"].Str();

    private async Task<bool> ExistsAsync(string table, string id) =>
        (await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", table)} WHERE id = @p0", Id(id))).Count == 1;

    [Fact]
    public async Task A_department_and_a_role_a_rule_names_are_kept_until_no_draft_or_active_version_names_them()
    {
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Kept team"));
        var role = await Host.CreateRoleAsync("Kept role", []);
        // Nobody is in the department (that alone keeps it): only the rule does.
        var someone = await Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("kept"), name = "Kept" });
        (await Host.AssignAsync(role, userId: someone)).Ok();
        var byDepartment = await RuleAsync("Leads to the kept team", new { departmentId = Id(department) }, activate: true);
        var byRole = await RuleAsync("Leads to the kept role", new { roleId = Id(role) }, activate: false);

        var refused = await Host.MutateAsync("deleteDepartment", DeleteDepartment, new { id = department });
        Assert.Equal("IN_USE", refused.ErrorCode());
        Assert.Contains($"automation rule {byDepartment} 'Leads to the kept team'", Message(refused), StringComparison.Ordinal);
        var roleRefused = await Host.MutateAsync("deleteRole", DeleteRole, new { id = role });
        Assert.Equal("IN_USE", roleRefused.ErrorCode());
        Assert.Contains($"automation rule {byRole} 'Leads to the kept role'", Message(roleRefused), StringComparison.Ordinal);

        // Refused whole: the role and who holds it are as they were.
        Assert.True(await ExistsAsync("roles", role));
        Assert.Single(await Host.QueryRowsAsync($"SELECT role_id FROM {Host.Table("permissions", "role_assignments")} WHERE role_id = @p0", Id(role)));

        // A new draft that names someone else leaves the active version naming the department: still kept.
        (await Host.MutateAsync("updateAutomationRule", "mutation($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { errors { code message path } } }",
            new { id = byDepartment, input = RuleInput("Leads to the kept team", new { userIds = new[] { Id(someone) } }) })).Ok();
        Assert.Equal("IN_USE", (await Host.MutateAsync("deleteDepartment", DeleteDepartment, new { id = department })).ErrorCode());

        // Activated, the version naming it is archived: the department goes.
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id = byDepartment })).Ok();
        Assert.Equal(department, (await Host.MutateAsync("deleteDepartment", DeleteDepartment, new { id = department })).Ok()["deletedId"].Str());

        (await Host.MutateAsync("deleteAutomationRule", "mutation($id: ID!) { deleteAutomationRule(id: $id) { errors { code message path } } }", new { id = byRole })).Ok();
        Assert.Equal(role, (await Host.MutateAsync("deleteRole", DeleteRole, new { id = role })).Ok()["deletedId"].Str());
    }

    [Fact]
    public async Task A_department_named_as_a_number_in_any_form_or_as_text_is_kept_the_same()
    {
        foreach (var form in new[] { "{0}", "{0}.0", "\"{0}\"" })
        {
            var department = await Host.CreateDepartmentAsync(Records.NewMarker("Any form"));
            var named = JsonNode.Parse(string.Format(CultureInfo.InvariantCulture, form, department));
            var input = new JsonObject
            {
                ["name"] = $"Named as {form}",
                ["trigger"] = new JsonObject { ["kind"] = "platform.manual" },
                ["actions"] = new JsonArray(new JsonObject { ["kind"] = RoundRobin, ["params"] = new JsonObject { ["departmentId"] = named } }),
            };
            (await Host.MutateAsync("createAutomationRule", CreateRule, new { input })).Ok();
            Assert.Equal("IN_USE", (await Host.MutateAsync("deleteDepartment", DeleteDepartment, new { id = department })).ErrorCode());
        }
    }

    [Fact]
    public async Task A_role_an_active_process_asks_for_approval_is_kept_until_the_process_is_deactivated()
    {
        var role = await Host.CreateRoleAsync("Approving role", []);
        var name = Records.NewMarker("Approved by role");
        var process = await Host.ActiveProcessAsync(new
        {
            name,
            graph = Graph([Step("start", "start"), Step("ok", "approval", new { roles = new[] { Id(role) } }), Step("end", "end")],
                [Edge("start", "ok"), Edge("ok", "end", "approved"), Edge("ok", "end", "rejected")]),
        });

        var refused = await Host.MutateAsync("deleteRole", DeleteRole, new { id = role });
        Assert.Equal("IN_USE", refused.ErrorCode());
        Assert.Contains($"business process {process} '{name}'", Message(refused), StringComparison.Ordinal);

        await Host.DeactivateProcessAsync(process);
        Assert.Equal(role, (await Host.MutateAsync("deleteRole", DeleteRole, new { id = role })).Ok()["deletedId"].Str());
    }

    [Fact]
    public async Task Rules_saved_while_their_department_or_role_is_deleted_never_name_one_that_is_gone()
    {
        async Task<int> NamingAsync(string parameter, string id) => (await Host.QueryRowsAsync(
            $"SELECT v.id FROM {Host.Table("automation", "rule_versions")} v WHERE v.state <> 'Archived' AND v.definition LIKE @p0", $"%\"{parameter}\":{id}%")).Count;

        // The stored definitions are read as text: a rule naming a department is found so.
        var control = await Host.CreateDepartmentAsync(Records.NewMarker("Control team"));
        await RuleAsync("Control", new { departmentId = Id(control) }, activate: false);
        Assert.Equal(1, await NamingAsync("departmentId", control));

        for (var round = 0; round < 3; round++)
        {
            var department = await Host.CreateDepartmentAsync(Records.NewMarker("Contested team"));
            var role = await Host.CreateRoleAsync("Contested role", []);
            var saves = Enumerable.Range(0, 18).Select(i => Host.MutateAsync("createAutomationRule", CreateRule,
                new { input = RuleInput($"Contested {round}.{i}", i % 2 == 0 ? new { departmentId = Id(department) } : (object)new { roleId = Id(role) }) }));
            var deletes = new[]
            {
                Host.MutateAsync("deleteDepartment", DeleteDepartment, new { id = department }),
                Host.MutateAsync("deleteRole", DeleteRole, new { id = role }),
            };
            var answers = await Task.WhenAll(saves.Concat(deletes));

            // No internal error: a save either went first (and the delete is refused) or found its department or role gone.
            Assert.All(answers.Take(18).Where(a => a["rule"] is null), a => Assert.Equal("NOT_FOUND", a.ErrorCode()));
            Assert.All(answers.Skip(18).Where(a => a["deletedId"] is null), a => Assert.Equal("IN_USE", a.ErrorCode()));

            foreach (var (table, id, parameter) in new[] { ("departments", department, "departmentId"), ("roles", role, "roleId") })
            {
                var naming = await NamingAsync(parameter, id);
                Assert.True(await ExistsAsync(table, id) || naming == 0, $"Round {round}: {naming} rule versions name {table} {id}, which is gone");
            }
        }
    }

    private const string RemoveItem = "mutation($list: String!, $id: String!) { removeSelectionListItem(entityId: $list, id: $id) { removedId errors { code message path } } }";

    private async Task<string> ListItemAsync(string list, string prefix)
    {
        var id = prefix + Records.NewMarker("").Trim().ToUpperInvariant().Replace('-', '_').Replace(' ', '_');
        (await Host.MutateAsync("addSelectionListItem", "mutation($list: String!, $id: String!) { addSelectionListItem(input: { entityId: $list, id: $id, name: $id }) { item { id } errors { code message path } } }",
            new { list, id })).Ok();
        return id;
    }

    private async Task<string> RuleOnAsync(string entityType, object input) =>
        (await Host.MutateAsync("createAutomationRule", "mutation($t: CrmEntityType!, $input: AutomationRuleInput!) { createAutomationRule(entityType: $t, input: $input) { rule { id } errors { code message path } } }",
            new { t = entityType, input })).Ok()["rule"]!["id"].Str();

    private Task<JsonNode> DeleteRuleAsync(string id) =>
        Host.MutateAsync("deleteAutomationRule", "mutation($id: ID!) { deleteAutomationRule(id: $id) { errors { code message path } } }", new { id });

    [Fact]
    public async Task A_stage_or_list_item_a_rule_moves_to_writes_or_waits_for_is_kept_until_no_rule_names_it()
    {
        var stage = await ListItemAsync("DEAL_STAGE", "KEPT_");
        var status = await ListItemAsync("STATUS", "KEPT_");
        var source = await ListItemAsync("SOURCE", "KEPT_");
        var moves = await RuleOnAsync("DEAL", new { name = "Moves to the kept stage", trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = "records.changeStage", @params = new { stageId = stage } } } });
        var waits = await RuleOnAsync("DEAL", new { name = "Waits for the kept stage", trigger = new { kind = "records.stageChanged", @params = new { toStageId = stage } }, actions = new object[] { new { kind = "timeline.addComment", @params = new { text = "In" } } } });
        var writes = await RuleOnAsync("LEAD", new { name = "Writes the kept status and source", trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { statusId = status, sourceId = source } } } } });

        var refused = await Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list = "DEAL_STAGE", id = stage });
        Assert.Equal("IN_USE", refused.ErrorCode());
        Assert.Contains($"automation rule {moves} 'Moves to the kept stage'", Message(refused), StringComparison.Ordinal);
        Assert.Contains($"automation rule {waits} 'Waits for the kept stage'", Message(refused), StringComparison.Ordinal);
        foreach (var (list, id) in new[] { ("STATUS", status), ("SOURCE", source) })
        {
            var kept = await Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list, id });
            Assert.Equal("IN_USE", kept.ErrorCode());
            Assert.Contains($"automation rule {writes} 'Writes the kept status and source'", Message(kept), StringComparison.Ordinal);
        }

        (await DeleteRuleAsync(moves)).Ok();
        Assert.Equal("IN_USE", (await Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list = "DEAL_STAGE", id = stage })).ErrorCode());
        (await DeleteRuleAsync(waits)).Ok();
        (await DeleteRuleAsync(writes)).Ok();
        foreach (var (list, id) in new[] { ("DEAL_STAGE", stage), ("STATUS", status), ("SOURCE", source) })
        {
            Assert.Equal(id, (await Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list, id })).Ok()["removedId"].Str());
        }
    }

    [Fact]
    public async Task A_pipeline_whose_stage_a_rule_names_is_kept_until_the_rule_is_gone()
    {
        var pipeline = (await Host.MutateAsync("createPipeline", "mutation($name: String!) { createPipeline(input: { name: $name }) { pipeline { id } errors { code message path } } }",
            new { name = Records.NewMarker("Kept pipeline ") })).Ok()["pipeline"]!["id"].Str();
        var rule = await RuleOnAsync("DEAL", new
        {
            name = "Prepares in the kept pipeline",
            scope = new { pipelineId = Id(pipeline) },
            trigger = new { kind = "platform.manual" },
            actions = new object[] { new { kind = "records.changeStage", @params = new { stageId = $"C{pipeline}:PREPARATION" } } },
        });
        const string Delete = "mutation($id: ID!) { deletePipeline(id: $id) { deletedId errors { code message path } } }";

        var refused = await Host.MutateAsync("deletePipeline", Delete, new { id = pipeline });
        Assert.Equal("IN_USE", refused.ErrorCode());
        Assert.Contains($"'C{pipeline}:PREPARATION' of DEAL_STAGE_{pipeline} is named by automation rule {rule} 'Prepares in the kept pipeline'", Message(refused), StringComparison.Ordinal);
        Assert.Single(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("deals", "pipelines")} WHERE id = @p0", Id(pipeline)));
        Assert.NotEmpty(await Host.QueryRowsAsync($"SELECT status_id FROM {Host.Table("selection_lists", "items")} WHERE entity_id = @p0", $"DEAL_STAGE_{pipeline}"));

        (await DeleteRuleAsync(rule)).Ok();
        Assert.Equal(pipeline, (await Host.MutateAsync("deletePipeline", Delete, new { id = pipeline })).Ok()["deletedId"].Str());
        Assert.Empty(await Host.QueryRowsAsync($"SELECT status_id FROM {Host.Table("selection_lists", "items")} WHERE entity_id = @p0", $"DEAL_STAGE_{pipeline}"));
    }

    [Fact]
    public async Task Deleting_a_pipeline_asks_what_names_its_stages_in_as_many_statements_whatever_their_number()
    {
        // A rule naming a stage of another pipeline: what names the family is read, and none of these stages is among it.
        await RuleOnAsync("DEAL", new { name = "Names another stage", trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = "records.changeStage", @params = new { stageId = await ListItemAsync("DEAL_STAGE", "ELSEWHERE_") } } } });
        async Task<int> DeleteNewPipelineAsync(int addedStages)
        {
            var pipeline = (await Host.MutateAsync("createPipeline", "mutation($name: String!) { createPipeline(input: { name: $name }) { pipeline { id } errors { code message path } } }",
                new { name = Records.NewMarker("Counted pipeline ") })).Ok()["pipeline"]!["id"].Str();
            for (var i = 0; i < addedStages; i++)
            {
                (await Host.MutateAsync("addSelectionListItem", "mutation($list: String!, $id: String!) { addSelectionListItem(input: { entityId: $list, id: $id, name: $id }) { item { id } errors { code message path } } }",
                    new { list = $"DEAL_STAGE_{pipeline}", id = $"C{pipeline}:EXTRA{i}" })).Ok();
            }

            var answer = (await Host.QueryAsync("mutation($id: ID!) { deletePipeline(id: $id) { deletedId errors { code message path } } }", new { id = pipeline })).ShouldSucceed();
            Assert.Equal(pipeline, answer.Data!["deletePipeline"]!["deletedId"].Str());
            return answer.Statements;
        }

        await DeleteNewPipelineAsync(0);
        var few = await DeleteNewPipelineAsync(0);
        var many = await DeleteNewPipelineAsync(40);
        // One question per holder for the whole list (before: two statements per stage, 80 more here).
        Assert.InRange(many, few - 2, few + 2);
    }

    [Fact]
    public async Task Rules_saved_while_their_stage_is_removed_never_name_one_that_is_gone()
    {
        for (var round = 0; round < 3; round++)
        {
            var stage = await ListItemAsync("DEAL_STAGE", "CONTESTED_");
            var saves = Enumerable.Range(0, 19).Select(i => Host.MutateAsync("createAutomationRule", CreateRule,
                new { input = new { name = $"Contested stage {round}.{i}", trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = "records.changeStage", @params = new { stageId = stage } } } } }));
            var remove = Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list = "DEAL_STAGE", id = stage });
            var answers = await Task.WhenAll(saves.Append(remove));

            // No internal error: a save either went first (and the removal is refused) or found the stage gone.
            Assert.All(answers.Take(19).Where(a => a["rule"] is null), a => Assert.Contains(a.ErrorCode(), new[] { "NOT_FOUND", "INVALID_VALUE", "VALIDATION" }));
            Assert.True(answers[^1]["removedId"] is not null || answers[^1].ErrorCode() == "IN_USE", answers[^1].ToJsonString());
            var naming = (await Host.QueryRowsAsync(
                $"SELECT v.id FROM {Host.Table("automation", "rule_versions")} v WHERE v.state <> 'Archived' AND v.definition LIKE @p0", $"%\"stageId\":\"{stage}\"%")).Count;
            var exists = (await Host.QueryRowsAsync($"SELECT status_id FROM {Host.Table("selection_lists", "items")} WHERE entity_id = 'DEAL_STAGE' AND status_id = @p0", stage)).Count == 1;
            Assert.True(exists || naming == 0, $"Round {round}: {naming} rule versions name stage {stage}, which is gone");
            Assert.True(!exists || naming > 0 || answers[^1]["removedId"] is null, $"Round {round}: the stage was kept with no rule naming it");
        }
    }

    [Fact]
    public async Task A_list_item_a_condition_compares_a_field_with_is_kept_and_a_value_that_is_no_item_is_refused_at_it()
    {
        var stage = await ListItemAsync("DEAL_STAGE", "TESTED_");
        var status = await ListItemAsync("STATUS", "TESTED_");
        var tests = await RuleOnAsync("DEAL", new
        {
            name = "Tests the kept stage",
            trigger = new { kind = "records.updated" },
            // A list field's values are items (each of an in); a text field's value that happens to be the same is not.
            condition = new { any = new object[] { new { field = "stageId", op = "in", value = new[] { "NEW", stage } }, new { field = "title", op = "eq", value = "NO_SUCH_ITEM" } } },
            actions = new object[] { new { kind = "timeline.addComment", @params = new { text = "Tested" } } },
        });
        var name = Records.NewMarker("Branches on the kept status");
        var process = await Host.ActiveProcessAsync(new
        {
            name,
            startCondition = new { not = new { field = "statusId", op = "changedFrom", value = status } },
            graph = Graph([Step("start", "start"), Step("check", "if", new { condition = new { field = "statusId", op = "eq", value = status } }), Step("end", "end")],
                [Edge("start", "check"), Edge("check", "end", "true"), Edge("check", "end", "false")]),
        }, "LEAD");

        var refused = await Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list = "DEAL_STAGE", id = stage });
        Assert.Equal("IN_USE", refused.ErrorCode());
        Assert.Contains($"automation rule {tests} 'Tests the kept stage'", Message(refused), StringComparison.Ordinal);
        var keptStatus = await Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list = "STATUS", id = status });
        Assert.Equal("IN_USE", keptStatus.ErrorCode());
        Assert.Contains($"business process {process} '{name}'", Message(keptStatus), StringComparison.Ordinal);

        // A value that is no item of the field's list is refused where it stands, for a rule and for a process.
        var wrong = await Host.MutateAsync("createAutomationRule", CreateRule, new
        {
            input = new
            {
                name = "Tests a stage that is not",
                trigger = new { kind = "records.updated" },
                condition = new { all = new object[] { new { field = "opportunity", op = "gt", value = 1 }, new { field = "stageId", op = "nin", value = new[] { "NEW", "NO_SUCH_STAGE" } } } },
                actions = new object[] { new { kind = "timeline.addComment", @params = new { text = "Never" } } },
            },
        });
        Assert.Equal("INVALID_VALUE", wrong.ErrorCode());
        Assert.Equal(["input", "condition", "all", "1", "value", "1"], wrong["errors"]![0]!["path"]!.AsArray().Select(p => p.Str()));
        Assert.Contains("'NO_SUCH_STAGE' is not an item of DEAL_STAGE", Message(wrong), StringComparison.Ordinal);
        var wrongProcess = await Host.CreateAsync(new
        {
            name = "Branches on no status",
            graph = Graph([Step("start", "start"), Step("check", "if", new { condition = new { field = "statusId", op = "eq", value = "NO_SUCH_STATUS" } }), Step("end", "end")],
                [Edge("start", "check"), Edge("check", "end", "true"), Edge("check", "end", "false")]),
        }, "LEAD");
        Assert.Equal("INVALID_VALUE", wrongProcess.ErrorCode());
        Assert.Contains("'NO_SUCH_STATUS' is not an item of STATUS", Message(wrongProcess), StringComparison.Ordinal);

        (await DeleteRuleAsync(tests)).Ok();
        Assert.Equal(stage, (await Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list = "DEAL_STAGE", id = stage })).Ok()["removedId"].Str());
        await Host.DeactivateProcessAsync(process);
        Assert.Equal(status, (await Host.MutateAsync("removeSelectionListItem", RemoveItem, new { list = "STATUS", id = status })).Ok()["removedId"].Str());
    }

    [Fact]
    public async Task Versions_saved_before_they_recorded_their_conditions_items_keep_them_from_the_next_start()
    {
        var stage = await ListItemAsync("DEAL_STAGE", "OLDER_");
        var rule = await RuleOnAsync("DEAL", new
        {
            name = "Tested before",
            trigger = new { kind = "records.updated" },
            condition = new { field = "stageId", op = "changedTo", value = stage },
            actions = new object[] { new { kind = "timeline.addComment", @params = new { text = "Tested" } } },
        });
        // As a version saved before: it recorded what its parameters name (here nothing), not its condition's items.
        await Host.QueryRowsAsync($"UPDATE {Host.Table("automation", "rule_versions")} SET directory_references = '|department:999999|' WHERE rule_id = @p0", Id(rule));
        await Host.QueryRowsAsync($"DELETE FROM {Host.Table("platform", "data_migrations")} WHERE module_id = 'automation' AND migration_id = '0003-versions-record-the-list-items-their-conditions-name'");

        await using var restarted = new CrmHost(Host.Engine, Host.ConnectionString);
        var refused = await restarted.MutateAsync("removeSelectionListItem", RemoveItem, new { list = "DEAL_STAGE", id = stage });
        Assert.Equal("IN_USE", refused.ErrorCode());
        Assert.Contains($"automation rule {rule} 'Tested before'", Message(refused), StringComparison.Ordinal);
        var recorded = (await Host.QueryRowsAsync($"SELECT directory_references FROM {Host.Table("automation", "rule_versions")} WHERE rule_id = @p0", Id(rule))).Single()["directory_references"];
        Assert.Equal($"|item:DEAL_STAGE:{stage}|", recorded);
    }

    [Fact]
    public async Task Versions_saved_before_they_recorded_their_department_keep_it_from_the_next_start()
    {
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Older team"));
        var rule = await RuleAsync("Saved before", new { departmentId = Id(department) }, activate: true);
        await Host.QueryRowsAsync($"UPDATE {Host.Table("automation", "rule_versions")} SET directory_references = NULL WHERE rule_id = @p0", Id(rule));
        await Host.QueryRowsAsync($"DELETE FROM {Host.Table("platform", "data_migrations")} WHERE module_id = 'automation' AND migration_id = '0002-versions-record-the-departments-and-roles-they-name'");

        // The next start (here a second host on the database) reads what the stored version names.
        await using var restarted = new CrmHost(Host.Engine, Host.ConnectionString);
        var refused = await restarted.MutateAsync("deleteDepartment", DeleteDepartment, new { id = department });
        Assert.Equal("IN_USE", refused.ErrorCode());
        Assert.Contains($"automation rule {rule} 'Saved before'", Message(refused), StringComparison.Ordinal);
        var recorded = (await Host.QueryRowsAsync($"SELECT directory_references FROM {Host.Table("automation", "rule_versions")} WHERE rule_id = @p0", Id(rule))).Single()["directory_references"];
        Assert.Equal($"|department:{department}|", recorded);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class DirectoryReferenceOnSqlite(SqliteHost fixture) : DirectoryReferenceTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DirectoryReferenceOnPostgres(PostgresHost fixture) : DirectoryReferenceTests(fixture), IClassFixture<PostgresHost>;
