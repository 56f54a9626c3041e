using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.CustomFields;

/// <summary>Managing definitions: the schema follows at once, bad definitions and values are refused, deletion asks first.</summary>
public abstract class CustomFieldDefinitionTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task The_schema_has_the_field_right_after_creation_and_loses_it_right_after_deletion()
    {
        var code = CustomFieldHelpers.NewCode("BUDGET");
        var name = CustomFieldHelpers.FieldName(code);
        Assert.StartsWith("ufCrmBudget", name, StringComparison.Ordinal);
        var field = await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "NUMBER", label = "Budget" });
        Assert.Equal(name, field["fieldName"]!.GetValue<string>());

        foreach (var type in new[] { "Deal", "CreateDealInput", "UpdateDealInput", "DealFilterInput", "DealSortInput" })
        {
            Assert.Contains(name, await Host.TypeFieldsAsync(type));
        }

        // Other record types are untouched.
        Assert.DoesNotContain(name, await Host.TypeFieldsAsync("Lead"));
        var listed = (await Host.QueryAsync("{ customFields(entityType: DEAL) { code label type filterable showInList } }")).ShouldSucceed();
        Assert.Contains(listed.Data!["customFields"]!.AsArray(), f => f!["code"]!.GetValue<string>() == code);

        await Host.DeleteFieldAsync(field["id"]!.GetValue<string>());
        foreach (var type in new[] { "Deal", "CreateDealInput", "DealFilterInput", "DealSortInput" })
        {
            Assert.DoesNotContain(name, await Host.TypeFieldsAsync(type));
        }

        var gone = await Host.QueryAsync($"{{ deals {{ nodes {{ {name} }} }} }}");
        Assert.Equal("VALIDATION", gone.ErrorCodes.Single());
    }

    [Fact]
    public async Task A_deleted_field_needs_confirmation_takes_its_values_and_a_recreated_one_starts_empty()
    {
        var code = CustomFieldHelpers.NewCode("GONE");
        var name = CustomFieldHelpers.FieldName(code);
        var field = await Host.CreateFieldAsync(new { entityType = "CONTACT", code, type = "STRING", label = "Soon gone" });
        var id = field["id"]!.GetValue<string>();
        var contacts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            contacts.Add(await Host.CreateContactAsync(new JsonObject { ["name"] = $"Holder {i}", [name] = $"value {i}" }));
        }

        var refused = (await Host.QueryAsync("mutation($id: ID!) { deleteCustomField(id: $id) { deletedId clearedRecords errors { code message path } } }", new { id })).ShouldSucceed();
        var payload = refused.Data!["deleteCustomField"]!;
        Assert.Null(payload["deletedId"]);
        Assert.Equal(3, payload["clearedRecords"]!.GetValue<int>());
        Assert.Equal("CONFIRMATION_REQUIRED", payload["errors"]![0]!["code"]!.GetValue<string>());
        Assert.Contains("3 contact records", payload["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(name, await Host.TypeFieldsAsync("Contact"));

        var deleted = (await Host.QueryAsync("mutation($id: ID!) { deleteCustomField(id: $id, confirmDataLoss: true) { deletedId clearedRecords errors { code } } }", new { id })).ShouldSucceed();
        Assert.Equal(3, deleted.Data!["deleteCustomField"]!["clearedRecords"]!.GetValue<int>());
        var rows = await Host.QueryRowsAsync($"SELECT custom_fields FROM {Host.Table("contacts", "contacts")} WHERE id = @p0", long.Parse(contacts[0], CultureInfo.InvariantCulture));
        Assert.DoesNotContain(code, rows.Single()["custom_fields"]!.ToString()!, StringComparison.Ordinal);

        await Host.CreateFieldAsync(new { entityType = "CONTACT", code, type = "STRING", label = "Back again" });
        var again = (await Host.QueryAsync($"query($id: ID!) {{ contact(id: $id) {{ {name} }} }}", new { id = contacts[0] })).ShouldSucceed();
        Assert.Null(again.Data!["contact"]![name]);
    }

    [Fact]
    public async Task Mandatory_fields_are_enforced_on_create_but_an_update_may_leave_them_out()
    {
        var code = CustomFieldHelpers.NewCode("MUST");
        var name = CustomFieldHelpers.FieldName(code);
        var field = await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "STRING", label = "Must have", mandatory = true });
        var before = await DatabaseState.CaptureAsync(Host);

        var missing = (await Host.QueryAsync("mutation { createDeal(input: { title: \"No value\" }) { deal { id } errors { code path message } } }")).ShouldSucceed();
        var error = missing.Data!["createDeal"]!["errors"]![0]!;
        Assert.Equal("REQUIRED", error["code"]!.GetValue<string>());
        Assert.Equal(["input", name], error["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Contains("Must have", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await before.ShouldBeUnchangedAsync(Host, "a create without a mandatory value was refused");

        var id = await Host.CreateDealAsync(new JsonObject { ["title"] = "Has value", [name] = "yes" });
        var untouched = (await Host.QueryAsync("mutation($id: ID!) { updateDeal(id: $id, input: { title: \"Renamed\" }) { errors { code } } }", new { id })).ShouldSucceed();
        Assert.Empty(untouched.Data!["updateDeal"]!["errors"]!.AsArray());
        before = await DatabaseState.CaptureAsync(Host);
        var emptied = (await Host.QueryAsync($"mutation($id: ID!) {{ updateDeal(id: $id, input: {{ {name}: null }}) {{ errors {{ code path }} }} }}", new { id })).ShouldSucceed();
        Assert.Equal("REQUIRED", emptied.Data!["updateDeal"]!["errors"]![0]!["code"]!.GetValue<string>());
        var blank = (await Host.QueryAsync($"mutation($id: ID!) {{ updateDeal(id: $id, input: {{ {name}: \"  \" }}) {{ errors {{ code path }} }} }}", new { id })).ShouldSucceed();
        Assert.Equal("REQUIRED", blank.Data!["updateDeal"]!["errors"]![0]!["code"]!.GetValue<string>());
        await before.ShouldBeUnchangedAsync(Host, "updates emptying a mandatory value were refused");

        // A mandatory field with a default fills itself in.
        await Host.QueryAsync("mutation($id: ID!) { updateCustomField(id: $id, input: { defaultValue: \"standard\" }) { errors { code } } }", new { id = field["id"]!.GetValue<string>() });
        var defaulted = await Host.CreateDealAsync(new { title = "Defaulted" });
        var read = (await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ {name} }} }}", new { id = defaulted })).ShouldSucceed();
        Assert.Equal("standard", read.Data!["deal"]![name]!.GetValue<string>());
        await Host.DeleteFieldAsync(field["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_values_are_refused_naming_the_field_and_the_reason_and_nothing_is_written()
    {
        var text = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("SKU"), type = "STRING", label = "SKU", settings = new { maxLength = 8, pattern = "^[A-Z]{3}-[0-9]+$" } });
        var count = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("SEATS"), type = "INTEGER", label = "Seats", settings = new { min = 1, max = 100 } });
        var price = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("PRICE"), type = "NUMBER", label = "Price", settings = new { precision = 2 } });
        var size = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("SIZE"), type = "ENUMERATION", label = "Size", items = new[] { new { value = "S" }, new { value = "M" } } });
        var mail = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("MAIL"), type = "EMAIL", label = "Mail" });
        var fee = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("FEE"), type = "MONEY", label = "Fee" });
        var link = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("LINK"), type = "CRM", label = "Link", settings = new { recordTypes = new[] { "COMPANY" } } });
        var owner = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("OWNER"), type = "EMPLOYEE", label = "Owner" });
        string N(JsonNode f) => f["fieldName"]!.GetValue<string>();
        var contact = await Host.CreateContactAsync(new { name = "Not a company" });
        var before = await DatabaseState.CaptureAsync(Host);

        var cases = new (string Field, object Value, string Code)[]
        {
            (N(text), "ABC-1234567", "TOO_LONG"),
            (N(text), "abc-1", "INVALID_FORMAT"),
            (N(count), 0, "INVALID_VALUE"),
            (N(count), 101, "INVALID_VALUE"),
            (N(price), 1.234m, "INVALID_FORMAT"),
            (N(size), "999", "INVALID_VALUE"),
            (N(mail), "not-an-address", "INVALID_FORMAT"),
            (N(fee), new { amount = 5m, currency = "EURO" }, "INVALID_FORMAT"),
            (N(link), new { entityType = "CONTACT", id = contact }, "INVALID_VALUE"),
            (N(link), new { entityType = "COMPANY", id = "999999999" }, "NOT_FOUND"),
            (N(owner), "999999999", "NOT_FOUND"),
        };
        foreach (var (field, value, code) in cases)
        {
            var input = new JsonObject { ["title"] = "Refused", [field] = System.Text.Json.JsonSerializer.SerializeToNode(value) };
            var response = (await Host.QueryAsync("mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { id } errors { code message path } } }", new { input })).ShouldSucceed();
            var payload = response.Data!["createDeal"]!;
            Assert.Null(payload["deal"]);
            var error = payload["errors"]![0]!;
            Assert.True(code == error["code"]!.GetValue<string>(), $"{field} = {value}: {payload.ToJsonString()}");
            Assert.Equal(field, error["path"]![1]!.GetValue<string>());
            Assert.Contains(field, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // A value of the wrong GraphQL type never reaches the record.
        var wrongType = await Host.QueryAsync($"mutation {{ createDeal(input: {{ title: \"Refused\", {N(count)}: \"many\" }}) {{ deal {{ id }} }} }}");
        Assert.Equal("VALIDATION", wrongType.ErrorCodes.Single());
        Assert.Contains(N(count), wrongType.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // Every problem at once, none written.
        var all = new JsonObject { ["title"] = "Refused", [N(count)] = 0, [N(size)] = "999" };
        var several = (await Host.QueryAsync("mutation($input: CreateDealInput!) { createDeal(input: $input) { errors { code path } } }", new { input = all })).ShouldSucceed();
        Assert.Equal(2, several.Data!["createDeal"]!["errors"]!.AsArray().Count);
        await before.ShouldBeUnchangedAsync(Host, "every create with a bad custom value was refused");

        foreach (var field in new[] { text, count, price, size, mail, fee, link, owner })
        {
            await Host.DeleteFieldAsync(field["id"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Bad_definitions_are_refused_with_the_reason()
    {
        async Task Refused(object input, string code, string path)
        {
            var error = await Host.CreateFieldRefusedAsync(input);
            Assert.True(code == error["code"]!.GetValue<string>(), error.ToJsonString());
            Assert.Equal(path, string.Join('.', error["path"]!.AsArray().Select(p => p!.GetValue<string>())));
        }

        await Refused(new { entityType = "DEAL", code = "BUDGET", type = "NUMBER", label = "x" }, "INVALID_FORMAT", "input.code");
        await Refused(new { entityType = "DEAL", code = "UF_CRM_lower", type = "NUMBER", label = "x" }, "INVALID_FORMAT", "input.code");
        await Refused(new { entityType = "DEAL", code = "UF_CRM_A-B", type = "NUMBER", label = "x" }, "INVALID_FORMAT", "input.code");
        await Refused(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("X"), type = "NUMBER", label = " " }, "REQUIRED", "input.label");
        await Refused(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("X"), type = "BOOLEAN", label = "x", multiple = true }, "INVALID_VALUE", "input.multiple");
        await Refused(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("X"), type = "ENUMERATION", label = "x" }, "REQUIRED", "input.items");
        await Refused(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("X"), type = "INTEGER", label = "x", settings = new { maxLength = 5 } }, "INVALID_VALUE", "input.settings.maxLength");
        await Refused(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("X"), type = "INTEGER", label = "x", settings = new { min = 5, max = 1 } }, "INVALID_VALUE", "input.settings.min");
        await Refused(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("X"), type = "STRING", label = "x", settings = new { pattern = "([a-z" } }, "INVALID_FORMAT", "input.settings.pattern");
        await Refused(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("X"), type = "INTEGER", label = "x", defaultValue = "ten" }, "INVALID_VALUE", "input.defaultValue");

        var code = CustomFieldHelpers.NewCode("TWICE");
        await Host.CreateFieldAsync(new { entityType = "LEAD", code, type = "STRING", label = "Once" });
        await Refused(new { entityType = "LEAD", code, type = "INTEGER", label = "Twice" }, "CONFLICT", "input.code");
        // The same code on another record type is another field.
        await Host.CreateFieldAsync(new { entityType = "COMPANY", code, type = "INTEGER", label = "Elsewhere" });
    }

    [Fact]
    public async Task Only_widening_type_changes_are_allowed_and_they_keep_values_filterable()
    {
        var code = CustomFieldHelpers.NewCode("WIDEN");
        var name = CustomFieldHelpers.FieldName(code);
        var field = await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "INTEGER", label = "Units" });
        var fieldId = field["id"]!.GetValue<string>();
        var marker = Records.NewMarker("widen-");
        var deal = await Host.CreateDealAsync(new JsonObject { ["title"] = marker, [name] = 42 });

        var refused = (await Host.QueryAsync("mutation($id: ID!) { updateCustomField(id: $id, input: { type: DATE }) { customField { type } errors { code message } } }", new { id = fieldId })).ShouldSucceed();
        Assert.Equal("TYPE_CHANGE_REFUSED", refused.Data!["updateCustomField"]!["errors"]![0]!["code"]!.GetValue<string>());

        var widened = (await Host.QueryAsync("mutation($id: ID!) { updateCustomField(id: $id, input: { type: NUMBER, label: \"Units (fractional)\" }) { customField { type label } errors { code } } }", new { id = fieldId })).ShouldSucceed();
        Assert.Equal("NUMBER", widened.Data!["updateCustomField"]!["customField"]!["type"]!.GetValue<string>());
        var found = (await Host.QueryAsync($"query($marker: String!) {{ deals(where: {{ title: {{ eq: $marker }}, {name}: {{ gt: 41.5 }} }}) {{ nodes {{ id {name} }} }} }}", new { marker })).ShouldSucceed();
        Assert.Equal(deal, Records.Ids(found.Data!["deals"]!["nodes"]).Single());
        Assert.Equal(42m, found.Data!["deals"]!["nodes"]![0]![name]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Fields_are_reordered_and_carry_labels_per_language()
    {
        var first = await Host.CreateFieldAsync(new { entityType = "COMPANY", code = CustomFieldHelpers.NewCode("FIRST"), type = "STRING", label = "First", labels = new[] { new { language = "de", text = "Erstes" } } });
        var second = await Host.CreateFieldAsync(new { entityType = "COMPANY", code = CustomFieldHelpers.NewCode("SECOND"), type = "STRING", label = "Second" });
        var all = (await Host.QueryAsync("{ customFields(entityType: COMPANY) { id } }")).ShouldSucceed().Data!["customFields"]!.AsArray().Select(f => f!["id"]!.GetValue<string>()).ToList();
        var reversed = all.AsEnumerable().Reverse().ToList();
        var reordered = (await Host.QueryAsync("mutation($ids: [ID!]!) { reorderCustomFields(entityType: COMPANY, ids: $ids) { customFields { id } errors { code } } }", new { ids = reversed })).ShouldSucceed();
        Assert.Equal(reversed, reordered.Data!["reorderCustomFields"]!["customFields"]!.AsArray().Select(f => f!["id"]!.GetValue<string>()));
        var partial = (await Host.QueryAsync("mutation($ids: [ID!]!) { reorderCustomFields(entityType: COMPANY, ids: $ids) { errors { code } } }", new { ids = new[] { reversed[0] } })).ShouldSucceed();
        Assert.Equal("INVALID_VALUE", partial.Data!["reorderCustomFields"]!["errors"]![0]!["code"]!.GetValue<string>());

        var labels = (await Host.QueryAsync("query($id: ID!) { customField(id: $id) { labels { language text } } }", new { id = first["id"]!.GetValue<string>() })).ShouldSucceed();
        Assert.Equal("Erstes", labels.Data!["customField"]!["labels"]![0]!["text"]!.GetValue<string>());
        _ = second;
    }

    [Fact]
    public async Task Twenty_admins_adding_items_to_one_field_at_once_never_give_one_id_to_two_values()
    {
        var field = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("RACE"), type = "ENUMERATION", label = "Race", items = new[] { new { value = "Kept" } } });
        var fieldId = field["id"]!.GetValue<string>();
        var keptId = field["items"]![0]!["id"]!.GetValue<string>();
        const string Update = "mutation($id: ID!, $items: [CustomFieldItemInput!]) { updateCustomField(id: $id, input: { items: $items }) { customField { items { id value } } errors { code message } } }";

        // Each admin replaces the list with the kept item and one new one of their own, from one
        // starting state: written one after the other, every new item gets an id never given before.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Host.QueryAsync(Update,
            new { id = fieldId, items = new object[] { new { id = keptId, value = "Kept" }, new { value = $"Added {i}" } } })));
        var given = new Dictionary<string, string>();
        foreach (var response in responses)
        {
            var payload = response.ShouldSucceed().Data!["updateCustomField"]!;
            Assert.Empty(payload["errors"]!.AsArray());
            foreach (var item in payload["customField"]!["items"]!.AsArray())
            {
                var (id, value) = (item!["id"]!.GetValue<string>(), item["value"]!.GetValue<string>());
                Assert.True(given.TryAdd(id, value) || given[id] == value, $"Item id {id} was given to both '{given.GetValueOrDefault(id)}' and '{value}'.");
            }
        }

        Assert.Equal(21, given.Count);

        // A removed item's id is not reused either: records may still hold it.
        var removed = (await Host.QueryAsync(Update, new { id = fieldId, items = new object[] { new { id = keptId, value = "Kept" } } })).ShouldSucceed();
        Assert.Empty(removed.Data!["updateCustomField"]!["errors"]!.AsArray());
        var again = (await Host.QueryAsync(Update, new { id = fieldId, items = new object[] { new { id = keptId, value = "Kept" }, new { value = "Later" } } })).ShouldSucceed();
        var later = again.Data!["updateCustomField"]!["customField"]!["items"]!.AsArray().Single(i => i!["value"]!.GetValue<string>() == "Later")!;
        Assert.DoesNotContain(later["id"]!.GetValue<string>(), given.Keys);
    }

    [Fact]
    public async Task Twenty_admins_creating_one_code_at_once_get_one_field_and_nineteen_conflicts()
    {
        var code = CustomFieldHelpers.NewCode("TWIN");
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Host.QueryAsync(
            "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code path } } }",
            new { input = new { entityType = "CONTACT", code, type = "STRING", label = $"Twin {i}" } })));
        var payloads = responses.Select(r => r.ShouldSucceed().Data!["createCustomField"]!).ToList();
        Assert.Single(payloads, p => p["customField"] is not null);
        Assert.All(payloads.Where(p => p["customField"] is null), p => Assert.Equal("CONFLICT", p["errors"]![0]!["code"]!.GetValue<string>()));
        var stored = (await Host.QueryAsync("{ customFields(entityType: CONTACT) { code } }")).ShouldSucceed();
        Assert.Single(stored.Data!["customFields"]!.AsArray(), f => f!["code"]!.GetValue<string>() == code);
    }

    [Fact]
    public async Task Requests_running_while_fields_come_and_go_all_succeed()
    {
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var completed = 0;
        async Task ReadLoop()
        {
            while (!stop.IsCancellationRequested)
            {
                var response = await Host.QueryAsync("{ deals(first: 5) { nodes { id title } totalCount } customFields(entityType: DEAL) { code } }");
                if (response.Errors.Count > 0)
                {
                    failures.Add(response.Body.ToJsonString());
                }

                Interlocked.Increment(ref completed);
            }
        }

        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(ReadLoop)).ToList();
        // At least four swaps, and as many as it takes for the readers to overlap them many times.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 4 || (Volatile.Read(ref completed) < 40 && watch.Elapsed < TimeSpan.FromSeconds(60)); i++)
        {
            var field = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("SWAP"), type = "INTEGER", label = "Swap" });
            await Host.DeleteFieldAsync(field["id"]!.GetValue<string>());
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.Empty(failures);
        Assert.True(completed >= 40, $"Only {completed} requests ran during the swaps.");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class CustomFieldDefinitionTestsOnSqlite(SqliteHost fixture) : CustomFieldDefinitionTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class CustomFieldDefinitionTestsOnPostgres(PostgresHost fixture) : CustomFieldDefinitionTests(fixture), IClassFixture<PostgresHost>;
