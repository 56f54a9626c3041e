using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// Rules and their versions through GraphQL: draft, active, archived; every part checked when
/// saved (nothing written when anything is wrong); the settings right; twenty admins on one rule.
/// </summary>
public abstract class AutomationRuleTests(AutomationHost fixture)
{
    private const string VersionFields = "version state name description trigger { kind params } condition actions { kind params timing { mode delay field timeOfDay workingHoursOnly } onError retries } runAsUserId allowSelfTrigger activatedAt archivedAt";

    private const string RuleFields = $"id entityType active {{ {VersionFields} }} draft {{ {VersionFields} }} versions {{ version state }}";

    private const string Save = $"mutation($t: CrmEntityType!, $input: AutomationRuleInput!) {{ createAutomationRule(entityType: $t, input: $input) {{ rule {{ {RuleFields} }} errors {{ code message path }} }} }}";

    private const string Update = $"mutation($id: ID!, $input: AutomationRuleInput!) {{ updateAutomationRule(id: $id, input: $input) {{ rule {{ {RuleFields} }} errors {{ code message path }} }} }}";

    private CrmHost Host => fixture.Host;

    private static object Rule(string name = "Big deals get a to-do", object? condition = null, object[]? actions = null, object? trigger = null) => new
    {
        name,
        description = "When a big deal enters PREPARATION.",
        trigger = trigger ?? new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
        condition = condition ?? new { all = new object[] { new { field = "opportunity", op = "gt", value = 10000 }, new { field = "title", op = "changed" } } },
        actions = actions ?? new object[]
        {
            new { kind = "records.setFields", @params = new { fields = new { comments = "Big one" } } },
            new { kind = "timeline.addComment", @params = new { text = "Call them" }, timing = new { mode = "AFTER_DELAY", delay = "P3D" }, onError = "RETRY", retries = 2 },
        },
    };

    private static readonly object[] Immediate =
    [
        new { kind = "records.setFields", @params = new { fields = new { comments = "Big one" } } },
        new { kind = "timeline.addComment", @params = new { text = "Call them" }, onError = "RETRY", retries = 2 },
    ];

    /// <summary>A rule on a marker no deal of another test has: its runs touch nothing else.</summary>
    private async Task<JsonNode> CreateAsync(object input, string? key = CrmHost.AdminKey) =>
        await Host.MutateAsync("createAutomationRule", Save, new { t = "DEAL", input }, key);

    private async Task<JsonNode> ActAsync(string verb, string id, string? key = CrmHost.AdminKey) =>
        await Host.MutateAsync($"{verb}AutomationRule", $"mutation($id: ID!) {{ {verb}AutomationRule(id: $id) {{ rule {{ {RuleFields} }} deletedId errors {{ code message path }} }} }}", new { id }, key);

    private async Task<long> CountAsync(string table) =>
        Convert.ToInt64((await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table("automation", table)}")).Single()["n"], CultureInfo.InvariantCulture);

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    [Fact]
    public async Task A_rule_goes_from_draft_to_active_and_an_edit_makes_a_draft_while_the_active_version_runs_on()
    {
        var created = (await CreateAsync(Rule(actions: Immediate))).Ok()["rule"]!;
        var id = Str(created["id"]);
        Assert.Equal("DEAL", Str(created["entityType"]));
        Assert.Null(created["active"]);
        var draft = created["draft"]!;
        Assert.Equal((1, "DRAFT"), (draft["version"]!.GetValue<int>(), Str(draft["state"])));
        Assert.NotEqual("1", Str(draft["runAsUserId"])); // no run-as user named: the automation user, not the admin who saved it
        Assert.Equal("records.stageChanged", Str(draft["trigger"]!["kind"]));
        Assert.Equal("PREPARATION", Str(draft["trigger"]!["params"]!["toStageId"]));
        Assert.Equal(10000, draft["condition"]!["all"]![0]!["value"]!.GetValue<decimal>());
        var retried = draft["actions"]![1]!;
        Assert.Equal(("IMMEDIATELY", "RETRY", 2), (Str(retried["timing"]!["mode"]), Str(retried["onError"]), retried["retries"]!.GetValue<int>()));

        var active = (await ActAsync("activate", id)).Ok()["rule"]!;
        Assert.Null(active["draft"]);
        Assert.Equal((1, "ACTIVE"), (active["active"]!["version"]!.GetValue<int>(), Str(active["active"]!["state"])));
        Assert.NotNull(active["active"]!["activatedAt"]);

        var edited = (await Host.MutateAsync("updateAutomationRule", Update, new { id, input = Rule("Bigger deals", actions: Immediate) })).Ok()["rule"]!;
        Assert.Equal((1, "Big deals get a to-do"), (edited["active"]!["version"]!.GetValue<int>(), Str(edited["active"]!["name"])));
        Assert.Equal((2, "Bigger deals"), (edited["draft"]!["version"]!.GetValue<int>(), Str(edited["draft"]!["name"])));
        // A second edit changes the same draft.
        edited = (await Host.MutateAsync("updateAutomationRule", Update, new { id, input = Rule("Biggest deals", actions: Immediate) })).Ok()["rule"]!;
        Assert.Equal((2, "Biggest deals"), (edited["draft"]!["version"]!.GetValue<int>(), Str(edited["draft"]!["name"])));

        var second = (await ActAsync("activate", id)).Ok()["rule"]!;
        Assert.Equal((2, "Biggest deals"), (second["active"]!["version"]!.GetValue<int>(), Str(second["active"]!["name"])));
        Assert.Equal([(2, "ACTIVE"), (1, "ARCHIVED")], second["versions"]!.AsArray().Select(v => (v!["version"]!.GetValue<int>(), Str(v["state"]))));

        var nothing = await ActAsync("activate", id);
        Assert.Equal("INVALID_VALUE", Str(nothing["errors"]![0]!["code"]));

        var off = (await ActAsync("deactivate", id)).Ok()["rule"]!;
        Assert.Null(off["active"]);
        var listed = (await Host.QueryAsync("query { automationRules(entityType: DEAL, active: false) { id } }")).ShouldSucceed().Data!["automationRules"]!.AsArray();
        Assert.Contains(listed, r => Str(r!["id"]) == id);

        Assert.Equal(id, Str((await ActAsync("delete", id)).Ok()["deletedId"]));
        Assert.Null((await Host.QueryAsync("query($id: ID!) { automationRule(id: $id) { id } }", new { id })).ShouldSucceed().Data!["automationRule"]);
        Assert.Empty(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("automation", "rule_versions")} WHERE rule_id = {id}"));
    }

    [Fact]
    public async Task A_rule_written_inline_reads_back_the_same()
    {
        var response = await Host.QueryAsync("""
            mutation {
              createAutomationRule(entityType: DEAL, input: {
                name: "Inline", trigger: { kind: "records.updated", params: { watchedFields: ["title", "opportunity"] } },
                condition: { any: [{ field: "stageId", op: "in", value: ["NEW", "PREPARATION"] }, { not: { field: "comments", op: "empty" } }] },
                actions: [{ kind: "records.assign", params: { userId: 1 } }]
              }) { rule { draft { trigger { params } condition } } errors { code message path } }
            }
            """);
        var draft = response.ShouldSucceed().Data!["createAutomationRule"]!.Ok()["rule"]!["draft"]!;
        Assert.Equal("""{"watchedFields":["title","opportunity"]}""", draft["trigger"]!["params"]!.ToJsonString());
        Assert.Equal("""{"any":[{"field":"stageId","op":"in","value":["NEW","PREPARATION"]},{"not":{"field":"comments","op":"empty"}}]}""", draft["condition"]!.ToJsonString());
    }

    [Fact]
    public async Task A_number_parameter_is_read_however_it_arrives_inline_or_in_a_variable()
    {
        // A whole number written inline reaches the check (the department does not exist), not a refusal of its form.
        var inline = await Host.QueryAsync("""
            mutation {
              createAutomationRule(entityType: DEAL, input: {
                name: "Inline number", trigger: { kind: "records.created" },
                actions: [{ kind: "records.assignRoundRobin", params: { departmentId: 999999 } }]
              }) { rule { id } errors { code message path } }
            }
            """);
        var refused = Assert.Single(inline.ShouldSucceed().Data!["createAutomationRule"]!["errors"]!.AsArray())!;
        Assert.Equal(("NOT_FOUND", "input.actions.0.params.departmentId"), (refused["code"]!.GetValue<string>(), string.Join('.', refused["path"]!.AsArray().Select(p => p!.ToString()))));

        foreach (var (number, code) in new[] { ("999999.0", "NOT_FOUND"), ("999999", "NOT_FOUND"), ("2.5", "INVALID_FORMAT") })
        {
            var input = JsonNode.Parse($$$"""{"name":"Variable number","trigger":{"kind":"records.created"},"actions":[{"kind":"records.assignRoundRobin","params":{"departmentId":{{{number}}}}}]}""");
            var error = (await Host.MutateAsync("createAutomationRule", Save, new { t = "DEAL", input })).ErrorCode();
            Assert.True(error == code, $"{number}: {error}");
        }
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { """{"trigger":{"kind":"records.nothing"}}""", "input.trigger.kind" },
        { """{"actions":[{"kind":"records.nothing"}]}""", "input.actions.0.kind" },
        { """{"actions":[{"kind":"records.assign","params":{"userId":"someone"}}]}""", "input.actions.0.params.userId" },
        { """{"condition":{"field":"nothing","op":"eq","value":1}}""", "input.condition.field" },
        { """{"condition":{"field":"title","op":"like","value":"x"}}""", "input.condition.op" },
        { """{"condition":{"all":[{"field":"title","op":"empty","value":"x"}]}}""", "input.condition.all.0.value" },
        { """{"condition":{"field":"stageId","op":"in","value":[]}}""", "input.condition.value" },
        { """{"condition":{"workingHours":{"days":["MON"],"from":"18:00","to":"09:00"}}}""", "input.condition.workingHours.to" },
        { """{"condition":{"workingHours":{"days":["MON"],"from":"09:00","to":"18:00","timeZone":"Mars/Olympus"}}}""", "input.condition.workingHours.timeZone" },
        { """{"actions":[{"kind":"records.assign","params":{"userId":1},"timing":{"mode":"AFTER_DELAY","delay":"PT30S"}}]}""", "input.actions.0.timing.delay" },
        { """{"actions":[{"kind":"records.assign","params":{"userId":1},"timing":{"mode":"BEFORE_FIELD","delay":"P1D","field":"title"}}]}""", "input.actions.0.timing.field" },
        { """{"actions":[{"kind":"records.assign","params":{"userId":1},"onError":"CONTINUE","retries":3}]}""", "input.actions.0.retries" },
        { """{"runAsUserId":"999999"}""", "input.runAsUserId" },
        { """{"name":"   "}""", "input.name" },
        { """{"scope":{"title":"x"}}""", "input.scope.title" },
        { """{"condition":{"all":[{"field":"title","op":"empty"},{"script":"record.opportunity >"}]}}""", "input.condition.all.1.script" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Each_wrong_part_is_refused_at_its_path_and_nothing_is_written(string change, string path)
    {
        var input = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Rule()))!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
        {
            input[key] = value?.DeepClone();
        }

        var rules = await CountAsync("rules");
        var errors = (await CreateAsync(input))["errors"]!.AsArray();

        Assert.Contains(errors, e => string.Join(".", e!["path"]!.AsArray().Select(p => Str(p))) == path);
        Assert.Equal(rules, await CountAsync("rules"));
    }

    [Fact]
    public async Task Ten_times_each_limit_is_refused_before_anything_is_written()
    {
        var rules = await CountAsync("rules");
        // Ten times the nesting, written inline (a JSON client refuses to write it): refused by the request's own depth limit or by the rule's.
        var deep = string.Concat(Enumerable.Repeat("{ not: ", 80)) + "{ field: \"title\", op: \"empty\" }" + new string('}', 80);
        var nested = await Host.QueryAsync($$"""
            mutation { createAutomationRule(entityType: DEAL, input: { name: "Deep", trigger: { kind: "records.created" }, condition: {{deep}},
              actions: [{ kind: "records.assign", params: { userId: 1 } }] }) { errors { code path } } }
            """);
        var refusal = nested.Errors.Count > 0
            ? Str(nested.Errors[0]!["extensions"]!["code"])
            : Str(nested.Data!["createAutomationRule"]!["errors"]![0]!["code"]);
        Assert.Contains(refusal, new[] { "LIMIT_EXCEEDED", "VALIDATION", "GRAPHQL_PARSE_FAILED" });

        var wide = new JsonObject { ["any"] = new JsonArray(Enumerable.Range(0, 1000).Select(_ => (JsonNode)new JsonObject { ["field"] = "title", ["op"] = "empty" }).ToArray()) };
        var cases = new (object Input, string Code)[]
        {
            (Rule(condition: wide), "LIMIT_EXCEEDED"),
            (Rule(actions: Enumerable.Range(0, 200).Select(_ => (object)new { kind = "records.assign", @params = new { userId = 1 } }).ToArray()), "LIMIT_EXCEEDED"),
            (Rule(name: new string('n', 2000)), "TOO_LONG"),
            (Rule(condition: new { field = "stageId", op = "in", value = Enumerable.Range(0, 1000).Select(i => $"S{i}").ToArray() }), "INVALID_VALUE"),
            (Rule(condition: new { field = "title", op = "eq", value = new string('x', 10_000) }), "TOO_LONG"),
        };

        foreach (var (input, code) in cases)
        {
            var errors = (await CreateAsync(input))["errors"]!.AsArray();
            Assert.Contains(errors, e => Str(e!["code"]) == code);
        }

        Assert.Equal(rules, await CountAsync("rules"));
    }

    [Fact]
    public async Task Only_the_settings_right_reads_and_edits_rules()
    {
        var (_, _, key) = await Host.NewUserWithKeyAsync("rules-reader");
        var id = Str((await CreateAsync(Rule())).Ok()["rule"]!["id"]);
        var rules = await CountAsync("rules");

        var refused = await Host.QueryAsync(Save, new { t = "DEAL", input = Rule() }, key);
        Assert.Equal("FORBIDDEN", Str(refused.ShouldSucceed().Data!["createAutomationRule"]!["errors"]![0]!["code"]));
        Assert.Equal("FORBIDDEN", Str((await ActAsync("activate", id, key))["errors"]![0]!["code"]));
        Assert.Equal("FORBIDDEN", Str((await ActAsync("delete", id, key))["errors"]![0]!["code"]));
        var read = await Host.QueryAsync("query { automationRules { id } }", apiKey: key);
        Assert.Equal("FORBIDDEN", Str(read.Errors.Single()!["extensions"]!["code"]));
        Assert.Equal(rules, await CountAsync("rules"));
        Assert.Null((await Host.QueryAsync("query($id: ID!) { automationRule(id: $id) { active { version } } }", new { id })).ShouldSucceed().Data!["automationRule"]!["active"]);
    }

    [Fact]
    public async Task Twenty_admins_editing_and_activating_one_rule_leave_one_active_version_and_at_most_one_draft()
    {
        var id = Str((await CreateAsync(Rule(actions: Immediate))).Ok()["rule"]!["id"]);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            i % 2 == 0
                ? await Host.QueryAsync(Update, new { id, input = Rule($"Edit {i}", actions: Immediate) })
                : await Host.QueryAsync($"mutation($id: ID!) {{ activateAutomationRule(id: $id) {{ errors {{ code }} }} }}", new { id }))));

        Assert.All(outcomes, o => o.ShouldSucceed());
        var versions = await Host.QueryRowsAsync($"SELECT version, state FROM {Host.Table("automation", "rule_versions")} WHERE rule_id = {id} ORDER BY version");
        Assert.True(versions.Count(v => (string)v["state"]! == "Active") <= 1);
        Assert.True(versions.Count(v => (string)v["state"]! == "Draft") <= 1);
        Assert.Equal(versions.Select(v => Convert.ToInt32(v["version"], CultureInfo.InvariantCulture)), Enumerable.Range(1, versions.Count));
        var rule = (await Host.QueryRowsAsync($"SELECT latest_version, active_version FROM {Host.Table("automation", "rules")} WHERE id = {id}")).Single();
        Assert.Equal(versions.Count, Convert.ToInt32(rule["latest_version"], CultureInfo.InvariantCulture));
        var active = versions.SingleOrDefault(v => (string)v["state"]! == "Active");
        int? activeVersion = active is null ? null : Convert.ToInt32(active["version"], CultureInfo.InvariantCulture);
        int? pointedAt = rule["active_version"] is null ? null : Convert.ToInt32(rule["active_version"], CultureInfo.InvariantCulture);
        Assert.Equal(activeVersion, pointedAt);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class AutomationRulesOnSqlite(AutomationSqliteHost fixture) : AutomationRuleTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class AutomationRulesOnPostgres(AutomationPostgresHost fixture) : AutomationRuleTests(fixture), IClassFixture<AutomationPostgresHost>;
