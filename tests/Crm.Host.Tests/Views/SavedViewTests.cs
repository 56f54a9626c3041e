using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;

namespace Crm.Host.Tests.Views;

/// <summary>One host with the sample plugin (a plugin's record type) and a small per-user view limit, so the bound is reached cheaply.</summary>
public abstract class ViewsHost(Engine engine) : QuotePluginHost(engine)
{
    public const int MaxPerUserAndType = 5;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["Views:MaxPerUserAndType"] = MaxPerUserAndType.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}

public sealed class ViewsSqliteHost() : ViewsHost(Engine.Sqlite);

public sealed class ViewsPostgresHost() : ViewsHost(Engine.Postgres);

/// <summary>
/// Saved views and filters through GraphQL: saving and sharing them, <c>viewId:</c> on lists of
/// built-in and plugin types, a view outliving a custom field it names, their bounds, parallel writes.
/// </summary>
public abstract class SavedViewTests(ViewsHost fixture)
{
    private const string ViewFields = "id name kind entityType ownerId sharing departmentId withSubdepartments userIds canEdit pageSize filter columns { field width } order { field direction } warnings";

    private const string CreateMutation = $"mutation($input: CreateViewInput!) {{ createView(input: $input) {{ view {{ {ViewFields} }} errors {{ code message path }} }} }}";

    private const string UpdateMutation = $"mutation($id: ID!, $input: UpdateViewInput!) {{ updateView(id: $id, input: $input) {{ view {{ {ViewFields} }} errors {{ code message path }} }} }}";

    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_view_is_saved_read_changed_made_the_default_and_deleted()
    {
        var user = await Host.NewUserWithKeyAsync("viewer");
        var created = (await CreateAsync(new
        {
            entityType = "contact",
            name = "  Hot leads ",
            columns = new object[] { new { field = "name", width = 120 }, new { field = "lastName" } },
            order = new object[] { new { field = "name", direction = "DESC" } },
            filter = new { name = new { startsWith = "A" } },
            pageSize = 25,
        }, user.Key)).Ok()["view"]!;
        Assert.Equal("Hot leads", Str(created["name"]));
        Assert.Equal("VIEW", Str(created["kind"]));
        Assert.Equal("PRIVATE", Str(created["sharing"]));
        Assert.Equal(user.Id, Str(created["ownerId"]));
        Assert.Equal("""[{"field":"name","width":120},{"field":"lastName","width":null}]""", created["columns"]!.ToJsonString());
        Assert.Equal("""[{"field":"name","direction":"DESC"}]""", created["order"]!.ToJsonString());
        Assert.Equal("""{"name":{"startsWith":"A"}}""", created["filter"]!.ToJsonString());
        Assert.True(created["canEdit"]!.GetValue<bool>());
        var id = Str(created["id"]);

        var changed = (await Host.MutateAsync("updateView", UpdateMutation, new { id, input = new { name = "Warm leads", pageSize = (int?)null } }, user.Key)).Ok()["view"]!;
        Assert.Equal("Warm leads", Str(changed["name"]));
        Assert.Null(changed["pageSize"]);
        Assert.Equal("""{"name":{"startsWith":"A"}}""", changed["filter"]!.ToJsonString());

        var views = (await Host.QueryAsync("{ views(entityType: \"contact\") { id name } }", apiKey: user.Key)).ShouldSucceed().Data!["views"]!.AsArray();
        Assert.Equal([id], views.Select(v => Str(v!["id"])));

        (await Host.MutateAsync("setDefaultView", "mutation($id: ID) { setDefaultView(entityType: \"contact\", viewId: $id) { view { id } errors { code message path } } }", new { id }, user.Key)).Ok();
        Assert.Equal(id, Str((await DefaultAsync(user.Key))!["id"]));

        var deleted = await Host.MutateAsync("deleteView", "mutation($id: ID!) { deleteView(id: $id) { deletedId errors { code message path } } }", new { id }, user.Key);
        Assert.Equal(id, Str(deleted.Ok()["deletedId"]));
        Assert.Null(await DefaultAsync(user.Key));
        Assert.Empty((await Host.QueryAsync("{ views(entityType: \"contact\") { id } }", apiKey: user.Key)).ShouldSucceed().Data!["views"]!.AsArray());

        // Refused when saved, as the list would refuse it: a field, an operator, a sort key, a type.
        Assert.Equal("VALIDATION", (await CreateAsync(new { entityType = "contact", name = "x", filter = new { noSuchField = new { eq = 1 } } }, user.Key)).ErrorCode());
        Assert.Equal("VALIDATION", (await CreateAsync(new { entityType = "contact", name = "x", filter = new { name = new { gt = new[] { 1 } } } }, user.Key)).ErrorCode());
        Assert.Equal("VALIDATION", (await CreateAsync(new { entityType = "contact", name = "x", order = new[] { new { field = "phones" } } }, user.Key)).ErrorCode());
        Assert.Equal("VALIDATION", (await CreateAsync(new { entityType = "no_such_type", name = "x" }, user.Key)).ErrorCode());
        Assert.Equal("VALIDATION", (await CreateAsync(new { entityType = "contact", kind = "FILTER", name = "x", pageSize = 5 }, user.Key)).ErrorCode());
    }

    [Fact]
    public async Task Each_user_sees_the_views_shared_with_them_and_only_the_owner_or_the_settings_right_edits_one()
    {
        var top = await Host.CreateDepartmentAsync(Records.NewMarker("Sales"));
        var below = await Host.CreateDepartmentAsync(Records.NewMarker("Sales north"), top);
        var owner = await Host.NewUserWithKeyAsync("owner");
        var inTop = await Host.NewUserWithKeyAsync("top", top);
        var inBelow = await Host.NewUserWithKeyAsync("below", below);
        var outside = await Host.NewUserWithKeyAsync("outside");

        async Task<string> Share(string name, object sharing) =>
            Str((await CreateAsync(Merge(new { entityType = "deal", name }, sharing), owner.Key)).Ok()["view"]!["id"]);
        var mine = await Share("mine", new { });
        var all = await Share("all", new { sharing = "EVERYONE" });
        var topOnly = await Share("top only", new { sharing = "DEPARTMENT", departmentId = top });
        var topAndBelow = await Share("top and below", new { sharing = "DEPARTMENT", departmentId = top, withSubdepartments = true });
        var chosen = await Share("chosen", new { sharing = "USERS", userIds = new[] { outside.Id } });

        async Task<string[]> Seen(string key) =>
            (await Host.QueryAsync("{ views(entityType: \"deal\") { name } }", apiKey: key)).ShouldSucceed().Data!["views"]!.AsArray()
                .Select(v => Str(v!["name"])).Where(n => n is "mine" or "all" or "top only" or "top and below" or "chosen").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["all", "chosen", "mine", "top and below", "top only"], await Seen(owner.Key));
        Assert.Equal(["all", "top and below", "top only"], await Seen(inTop.Key));
        Assert.Equal(["all", "top and below"], await Seen(inBelow.Key));
        Assert.Equal(["all", "chosen"], await Seen(outside.Key));

        // However many views and shares: as many statements (the departments, the views, their shares).
        async Task<string> More(int i) => Str((await CreateAsync(new { entityType = "deal", name = $"more {i}", sharing = "USERS", userIds = new[] { inBelow.Id, outside.Id } }, inTop.Key)).Ok()["view"]!["id"]);
        async Task<GraphQLResponse> ListAsTop() => (await Host.QueryAsync("{ views(entityType: \"deal\") { id userIds canEdit warnings } }", apiKey: inTop.Key)).ShouldSucceed();
        var first = await More(0);
        var one = await ListAsTop();
        await More(1);
        await More(2);
        var three = await ListAsTop();
        Assert.Equal(2, three.Data!["views"]!.AsArray().Single(v => Str(v!["id"]) == first)!["userIds"]!.AsArray().Count);
        Assert.Equal(one.Statements, three.Statements);

        // A view one may not see is told as not found, by id and on a list.
        Assert.Null((await Host.QueryAsync("query($id: ID!) { view(id: $id) { id } }", new { id = topOnly }, outside.Key)).ShouldSucceed().Data!["view"]);
        Assert.Equal(["VIEW_NOT_FOUND"], (await Host.QueryAsync("query($id: ID) { deals(viewId: $id) { nodes { id } } }", new { id = mine }, inTop.Key)).ErrorCodes);
        Assert.Equal(["VIEW_NOT_FOUND"], (await Host.QueryAsync("query($id: ID) { contacts(viewId: $id) { nodes { id } } }", new { id = all })).ErrorCodes);

        // Those it is shared with use it; its owner and the settings right change it.
        var seenByTop = (await Host.QueryAsync("query($id: ID!) { view(id: $id) { canEdit userIds } }", new { id = chosen }, outside.Key)).ShouldSucceed().Data!["view"]!;
        Assert.False(seenByTop["canEdit"]!.GetValue<bool>());
        Assert.Empty(seenByTop["userIds"]!.AsArray());
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("updateView", UpdateMutation, new { id = all, input = new { name = "mine now" } }, inTop.Key)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("deleteView", "mutation($id: ID!) { deleteView(id: $id) { deletedId errors { code } } }", new { id = all }, inTop.Key)).ErrorCode());
        Assert.Equal("renamed by an admin", Str((await Host.MutateAsync("updateView", UpdateMutation, new { id = all, input = new { name = "renamed by an admin" } })).Ok()["view"]!["name"]));

        // Everyone's default: the settings right and a view shared with everyone; a user's own replaces it.
        const string SetForEveryone = "mutation($id: ID) { setDefaultView(entityType: \"deal\", viewId: $id, forEveryone: true) { view { id } errors { code message path } } }";
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("setDefaultView", SetForEveryone, new { id = all }, owner.Key)).ErrorCode());
        var adminsOwn = Str((await CreateAsync(new { entityType = "deal", name = "admin's own" })).Ok()["view"]!["id"]);
        Assert.Equal("VALIDATION", (await Host.MutateAsync("setDefaultView", SetForEveryone, new { id = adminsOwn })).ErrorCode());
        Assert.Equal("NOT_FOUND", (await Host.MutateAsync("setDefaultView", SetForEveryone, new { id = topOnly })).ErrorCode());
        (await Host.MutateAsync("setDefaultView", SetForEveryone, new { id = all })).Ok();
        Assert.Equal(all, Str((await DefaultAsync(outside.Key, "deal"))!["id"]));
        (await Host.MutateAsync("setDefaultView", "mutation($id: ID) { setDefaultView(entityType: \"deal\", viewId: $id) { errors { code } } }", new { id = chosen }, outside.Key)).Ok();
        Assert.Equal(chosen, Str((await DefaultAsync(outside.Key, "deal"))!["id"]));
        (await Host.MutateAsync("setDefaultView", SetForEveryone, new { id = (string?)null })).Ok();
    }

    [Fact]
    public async Task A_list_given_a_view_takes_its_filter_with_where_its_order_and_its_page_size()
    {
        var marker = Records.NewMarker("View");
        foreach (var (name, lastName) in new[] { ("Ada", "Lee"), ("Bob", "Lee"), ("Cy", "Kim") })
        {
            await Host.CreateContactAsync(new { name = $"{marker} {name}", lastName });
        }

        var view = Str((await CreateAsync(new
        {
            entityType = "contact",
            name = marker,
            filter = new { name = new { startsWith = marker } },
            order = new[] { new { field = "name", direction = "DESC" } },
            pageSize = 2,
        })).Ok()["view"]!["id"]);

        async Task<(string[] Names, JsonNode Connection)> List(string arguments)
        {
            var response = (await Host.QueryAsync($"query($id: ID) {{ contacts(viewId: $id{arguments}) {{ totalCount nodes {{ name lastName }} pageInfo {{ hasNextPage }} }} }}",
                new { id = view })).ShouldSucceed();
            var connection = response.Data!["contacts"]!;
            Assert.Null(response.Body["extensions"]?["warnings"]);
            return (connection["nodes"]!.AsArray().Select(n => Str(n!["name"])[(marker.Length + 1)..]).ToArray(), connection);
        }

        // A view costs its one row on top of the list's own statements (the reader owns it).
        var plain = (await Host.QueryAsync($"{{ contacts(where: {{ name: {{ startsWith: \"{marker}\" }} }}, order: [{{ name: DESC }}], first: 2) {{ totalCount nodes {{ name lastName }} pageInfo {{ hasNextPage }} }} }}")).ShouldSucceed();
        var viewed = (await Host.QueryAsync("query($id: ID) { contacts(viewId: $id) { totalCount nodes { name lastName } pageInfo { hasNextPage } } }", new { id = view })).ShouldSucceed();
        Assert.Equal(plain.Data!.ToJsonString(), viewed.Data!.ToJsonString());
        Assert.Equal(plain.Statements + 1, viewed.Statements);

        var (names, connection) = await List("");
        Assert.Equal(["Cy", "Bob"], names);
        Assert.Equal(3, connection["totalCount"]!.GetValue<int>());
        Assert.True(connection["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        Assert.Equal(["Bob", "Ada"], (await List(", where: { lastName: { eq: \"Lee\" } }")).Names);
        Assert.Equal(["Ada", "Bob", "Cy"], (await List(", order: [{ name: ASC }], first: 10")).Names);

        var summary = (await Host.QueryAsync("query($id: ID) { contactsSummary(viewId: $id, where: { lastName: { eq: \"Lee\" } }, groupBy: [id]) { groups { count } } }", new { id = view }))
            .ShouldSucceed().Data!["contactsSummary"]!["groups"]!.AsArray();
        Assert.Equal(2, summary.Count);

        Assert.Equal(["VIEW_NOT_FOUND"], (await Host.QueryAsync("{ contacts(viewId: \"999999999\") { nodes { id } } }")).ErrorCodes);
        Assert.Equal(["INVALID_ID"], (await Host.QueryAsync("{ contacts(viewId: \"x\") { nodes { id } } }")).ErrorCodes);
    }

    [Fact]
    public async Task A_plugin_type_gets_views_and_a_saved_filter_without_code_of_its_own()
    {
        var marker = Records.NewMarker("Quote");
        foreach (var amount in new[] { 10m, 250m, 900m })
        {
            (await Host.MutateAsync("createQuote", "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } errors { code message path } } }",
                new { input = new { title = $"{marker} {amount}", amount } })).Ok();
        }

        var filter = Str((await CreateAsync(new { entityType = "quote", kind = "FILTER", name = "Large", filter = new { title = new { startsWith = marker }, amount = new { gte = 100 } } })).Ok()["view"]!["id"]);
        var titles = (await Host.QueryAsync("query($id: ID) { quotes(viewId: $id, order: [{ amount: DESC }]) { nodes { title } } }", new { id = filter })).ShouldSucceed()
            .Data!["quotes"]!["nodes"]!.AsArray().Select(n => Str(n!["title"])).ToArray();
        Assert.Equal([$"{marker} 900", $"{marker} 250"], titles);
        var filters = (await Host.QueryAsync("{ views(entityType: \"quote\", kind: FILTER) { id kind } }")).ShouldSucceed().Data!["views"]!.AsArray();
        Assert.Contains(filters, v => Str(v!["id"]) == filter);
    }

    [Fact]
    public async Task A_view_naming_a_deleted_custom_field_answers_without_that_condition_and_says_so()
    {
        var marker = Records.NewMarker("Cf");
        var code = $"UF_CRM_VW_{marker.ToUpperInvariant()}";
        var field = Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);
        var fieldId = Str((await Host.MutateAsync("createCustomField", "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
            new { input = new { entityType = "CONTACT", code, type = "STRING", label = "Tier" } })).Ok()["customField"]!["id"]);
        await Host.CreateContactAsync(new { name = $"{marker} gold" });
        await Host.CreateContactAsync(new { name = $"{marker} plain" });
        var filter = new JsonObject
        {
            ["name"] = new JsonObject { ["startsWith"] = marker },
            ["or"] = new JsonArray(new JsonObject { [field] = new JsonObject { ["eq"] = "gold" } }),
        };
        var view = Str((await CreateAsync(new
        {
            entityType = "contact",
            name = marker,
            filter,
            columns = new object[] { new { field = "name" }, new { field } },
            order = new object[] { new { field, direction = "ASC" } },
        })).Ok()["view"]!["id"]);
        Assert.Empty((await Host.QueryAsync("query($id: ID) { contacts(viewId: $id) { nodes { id } } }", new { id = view })).ShouldSucceed().Data!["contacts"]!["nodes"]!.AsArray());

        (await Host.MutateAsync("deleteCustomField", "mutation($id: ID!) { deleteCustomField(id: $id, confirmDataLoss: true) { errors { code message } } }", new { id = fieldId })).Ok();

        var response = (await Host.QueryAsync("query($id: ID) { contacts(viewId: $id) { nodes { name } } }", new { id = view })).ShouldSucceed();
        Assert.Equal(2, response.Data!["contacts"]!["nodes"]!.AsArray().Count);
        var warnings = response.Body["extensions"]!["warnings"]!.AsArray();
        Assert.Equal(3, warnings.Count); // the condition, the sort key, the column
        Assert.All(warnings, w => Assert.Equal(view, Str(w!["viewId"])));
        Assert.Contains(warnings, w => Str(w!["message"]).Contains($"condition on '{field}'", StringComparison.Ordinal));
        var saved = (await Host.QueryAsync("query($id: ID!) { view(id: $id) { warnings } }", new { id = view })).ShouldSucceed().Data!["view"]!["warnings"]!.AsArray();
        Assert.Equal(3, saved.Count);
    }

    [Fact]
    public async Task Every_bound_is_refused_at_ten_times_its_size_before_anything_is_saved()
    {
        var user = await Host.NewUserWithKeyAsync("bounds");
        Assert.Equal("LIMIT_EXCEEDED", (await CreateAsync(new { entityType = "contact", name = "c", columns = Enumerable.Range(0, 1_000).Select(_ => new { field = "name" }) }, user.Key)).ErrorCode());
        Assert.Equal("LIMIT_EXCEEDED", (await CreateAsync(new { entityType = "contact", name = "o", order = Enumerable.Range(0, 100).Select(_ => new { field = "name" }) }, user.Key)).ErrorCode());
        Assert.Equal("TOO_LONG", (await CreateAsync(new { entityType = "contact", name = new string('n', 1_000) }, user.Key)).ErrorCode());
        Assert.Equal("LIMIT_EXCEEDED", (await CreateAsync(new { entityType = "contact", name = "u", sharing = "USERS", userIds = Enumerable.Range(1, 2_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)) }, user.Key)).ErrorCode());
        var terms = new JsonObject { ["or"] = new JsonArray(Enumerable.Range(0, 1_000).Select(i => (JsonNode)new JsonObject { ["name"] = new JsonObject { ["eq"] = $"n{i}" } }).ToArray()) };
        Assert.Equal("LIMIT_EXCEEDED", (await CreateAsync(new { entityType = "contact", name = "f", filter = terms }, user.Key)).ErrorCode());
        Assert.Equal("LIMIT_EXCEEDED", (await CreateAsync(new { entityType = "contact", name = "p", pageSize = 2_000 }, user.Key)).ErrorCode());
        // A column's width: 20 to 2,000 pixels; ten times the most and below the least refused at that column.
        var wide = await CreateAsync(new { entityType = "contact", name = "w", columns = new object[] { new { field = "name", width = 200 }, new { field = "lastName", width = 20_000 } } }, user.Key);
        Assert.Equal("INVALID_VALUE", wide.ErrorCode());
        Assert.Equal("input.columns.1.width", wide.ErrorPath());
        Assert.Equal("INVALID_VALUE", (await CreateAsync(new { entityType = "contact", name = "n", columns = new[] { new { field = "name", width = 19 } } }, user.Key)).ErrorCode());
        Assert.Empty((await Host.QueryAsync("{ views(entityType: \"contact\") { id } }", apiKey: user.Key)).ShouldSucceed().Data!["views"]!.AsArray());

        // Views per user and type: ten times the limit in parallel, exactly the limit saved.
        var results = await Task.WhenAll(Enumerable.Range(0, ViewsHost.MaxPerUserAndType * 10).Select(i => CreateAsync(new { entityType = "contact", name = $"v{i}" }, user.Key)));
        Assert.Equal(ViewsHost.MaxPerUserAndType, results.Count(r => r["errors"]!.AsArray().Count == 0));
        Assert.All(results.Where(r => r["errors"]!.AsArray().Count > 0), r => Assert.Equal("LIMIT_EXCEEDED", r.ErrorCode()));
        Assert.Equal(ViewsHost.MaxPerUserAndType, (await Host.QueryAsync("{ views(entityType: \"contact\") { id } }", apiKey: user.Key)).ShouldSucceed().Data!["views"]!.AsArray().Count);
    }

    [Fact]
    public async Task Twenty_parallel_defaults_and_updates_leave_one_default_and_one_whole_view()
    {
        var user = await Host.NewUserWithKeyAsync("parallel");
        var others = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Host.NewUserWithKeyAsync($"share{i}")));
        var views = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            views.Add(Str((await CreateAsync(new { entityType = "lead", name = $"p{i}" }, user.Key)).Ok()["view"]!["id"]));
        }

        var defaults = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Host.MutateAsync("setDefaultView",
            "mutation($id: ID) { setDefaultView(entityType: \"lead\", viewId: $id) { view { id } errors { code message } } }", new { id = views[i % views.Count] }, user.Key)));
        Assert.All(defaults, d => d.Ok());
        Assert.Contains(Str((await DefaultAsync(user.Key, "lead"))!["id"]), views);
        var rows = await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table("views", "defaults")} WHERE user_id = @p0 AND entity_type = 'lead'", long.Parse(user.Id, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1L, Convert.ToInt64(rows[0]["n"], System.Globalization.CultureInfo.InvariantCulture));

        var updates = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Host.MutateAsync("updateView", UpdateMutation,
            new { id = views[0], input = new { name = $"n{i}", sharing = "USERS", userIds = others.Take(i % 3 + 1).Select(o => o.Id).ToArray() } }, user.Key)));
        Assert.All(updates, u => u.Ok());
        var final = (await Host.QueryAsync("query($id: ID!) { view(id: $id) { name userIds } }", new { id = views[0] }, user.Key)).ShouldSucceed().Data!["view"]!;
        var last = int.Parse(Str(final["name"])[1..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(others.Take(last % 3 + 1).Select(o => o.Id).Order(StringComparer.Ordinal), final["userIds"]!.AsArray().Select(Str).Order(StringComparer.Ordinal));
    }

    private Task<JsonNode> CreateAsync(object input, string? apiKey = CrmHost.AdminKey) => Host.MutateAsync("createView", CreateMutation, new { input }, apiKey);

    private async Task<JsonNode?> DefaultAsync(string apiKey, string entityType = "contact") =>
        (await Host.QueryAsync("query($t: String!) { defaultView(entityType: $t) { id } }", new { t = entityType }, apiKey)).ShouldSucceed().Data!["defaultView"];

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static Dictionary<string, object?> Merge(object first, object second)
    {
        var merged = new Dictionary<string, object?>();
        foreach (var part in new[] { first, second })
        {
            foreach (var property in part.GetType().GetProperties())
            {
                merged[property.Name] = property.GetValue(part);
            }
        }

        return merged;
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SavedViewsOnSqlite(ViewsSqliteHost fixture) : SavedViewTests(fixture), IClassFixture<ViewsSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SavedViewsOnPostgres(ViewsPostgresHost fixture) : SavedViewTests(fixture), IClassFixture<ViewsPostgresHost>;
