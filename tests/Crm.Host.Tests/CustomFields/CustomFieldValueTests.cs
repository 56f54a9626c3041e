using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.CustomFields;

/// <summary>Every type of custom field written, read, changed, filtered and sorted like a built-in field.</summary>
public abstract class CustomFieldValueTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private sealed record Field(string Code, string Name, string Type, bool Multiple, JsonNode Definition);

    private async Task<Field> DefineAsync(string type, bool multiple = false, object? settings = null, object[]? items = null, string entityType = "DEAL", bool mandatory = false)
    {
        var code = CustomFieldHelpers.NewCode(type + (multiple ? "_M" : ""));
        var definition = await Host.CreateFieldAsync(new { entityType, code, type, label = $"{type} field", multiple, settings, items, mandatory });
        return new Field(code, definition["fieldName"]!.GetValue<string>(), type, multiple, definition);
    }

    private static string ItemId(Field field, int index) => field.Definition["items"]![index]!["id"]!.GetValue<string>();

    [Fact]
    public async Task Every_type_round_trips_through_create_update_and_read()
    {
        var company = await Host.CreateCompanyAsync(new { title = "Linked company" });
        var contact = await Host.CreateContactAsync(new { name = "Linked" });
        var employee = await Host.CreateUserAsync("Employee");
        var fields = new Dictionary<string, Field>
        {
            ["STRING"] = await DefineAsync("STRING"),
            ["TEXT"] = await DefineAsync("TEXT"),
            ["INTEGER"] = await DefineAsync("INTEGER"),
            ["NUMBER"] = await DefineAsync("NUMBER"),
            ["BOOLEAN"] = await DefineAsync("BOOLEAN"),
            ["DATE"] = await DefineAsync("DATE"),
            ["DATETIME"] = await DefineAsync("DATETIME"),
            ["MONEY"] = await DefineAsync("MONEY"),
            ["ENUMERATION"] = await DefineAsync("ENUMERATION", items: [new { value = "Red" }, new { value = "Green" }, new { value = "Blue" }]),
            ["ENUMERATION_M"] = await DefineAsync("ENUMERATION", multiple: true, items: [new { value = "Web" }, new { value = "Phone" }, new { value = "Fair" }]),
            ["URL"] = await DefineAsync("URL"),
            ["EMAIL"] = await DefineAsync("EMAIL"),
            ["PHONE"] = await DefineAsync("PHONE"),
            ["EMPLOYEE"] = await DefineAsync("EMPLOYEE"),
            ["CRM"] = await DefineAsync("CRM", multiple: true),
            ["ADDRESS"] = await DefineAsync("ADDRESS"),
            ["STRING_M"] = await DefineAsync("STRING", multiple: true),
        };
        string N(string key) => fields[key].Name;
        var selection = $$"""
            id {{N("STRING")}} {{N("TEXT")}} {{N("INTEGER")}} {{N("NUMBER")}} {{N("BOOLEAN")}} {{N("DATE")}} {{N("DATETIME")}}
            {{N("MONEY")}} { amount currency } {{N("ENUMERATION")}} { id value } {{N("ENUMERATION_M")}} { id value }
            {{N("URL")}} {{N("EMAIL")}} {{N("PHONE")}} {{N("EMPLOYEE")}}
            {{N("CRM")}} { entityType id record { __typename ... on Company { title } ... on Contact { name } } }
            {{N("ADDRESS")}} { city country } {{N("STRING_M")}}
            """;

        var input = new JsonObject
        {
            ["title"] = "Every type",
            [N("STRING")] = "short text",
            [N("TEXT")] = new string('x', 1000),
            [N("INTEGER")] = 9_000_000_000L,
            [N("NUMBER")] = 12.25m,
            [N("BOOLEAN")] = true,
            [N("DATE")] = "2026-11-26",
            [N("DATETIME")] = "2026-11-26T10:15:30.123456Z",
            [N("MONEY")] = new JsonObject { ["amount"] = 99.99m, ["currency"] = "eur" },
            [N("ENUMERATION")] = ItemId(fields["ENUMERATION"], 1),
            [N("ENUMERATION_M")] = new JsonArray(ItemId(fields["ENUMERATION_M"], 0), ItemId(fields["ENUMERATION_M"], 2)),
            [N("URL")] = "https://example.com/page",
            [N("EMAIL")] = "buyer@example.com",
            [N("PHONE")] = "+48 600 100 200",
            [N("EMPLOYEE")] = employee,
            [N("CRM")] = new JsonArray(new JsonObject { ["entityType"] = "COMPANY", ["id"] = company }, new JsonObject { ["entityType"] = "CONTACT", ["id"] = contact }),
            [N("ADDRESS")] = new JsonObject { ["city"] = "Gdańsk", ["country"] = "Poland" },
            [N("STRING_M")] = new JsonArray("one", "two"),
        };
        var created = (await Host.QueryAsync($"mutation($input: CreateDealInput!) {{ createDeal(input: $input) {{ deal {{ {selection} }} errors {{ code message path }} }} }}",
            new { input })).ShouldSucceed().Data!["createDeal"]!;
        Assert.Empty(created["errors"]!.AsArray());
        var id = created["deal"]!["id"]!.GetValue<string>();

        var deal = (await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ {selection} }} }}", new { id })).ShouldSucceed().Data!["deal"]!;
        Assert.Equal("short text", deal[N("STRING")]!.GetValue<string>());
        Assert.Equal(1000, deal[N("TEXT")]!.GetValue<string>().Length);
        Assert.Equal(9_000_000_000L, deal[N("INTEGER")]!.GetValue<long>());
        Assert.Equal(12.25m, deal[N("NUMBER")]!.GetValue<decimal>());
        Assert.True(deal[N("BOOLEAN")]!.GetValue<bool>());
        Assert.Equal("2026-11-26", deal[N("DATE")]!.GetValue<string>());
        Assert.Equal(new DateTime(2026, 11, 26, 10, 15, 30, DateTimeKind.Utc).AddTicks(1234560), DateTime.Parse(deal[N("DATETIME")]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
        Assert.Equal(99.99m, deal[N("MONEY")]!["amount"]!.GetValue<decimal>());
        Assert.Equal("EUR", deal[N("MONEY")]!["currency"]!.GetValue<string>());
        Assert.Equal("Green", deal[N("ENUMERATION")]!["value"]!.GetValue<string>());
        Assert.Equal(["Web", "Fair"], deal[N("ENUMERATION_M")]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));
        Assert.Equal("https://example.com/page", deal[N("URL")]!.GetValue<string>());
        Assert.Equal("buyer@example.com", deal[N("EMAIL")]!.GetValue<string>());
        Assert.Equal("+48 600 100 200", deal[N("PHONE")]!.GetValue<string>());
        Assert.Equal(employee, deal[N("EMPLOYEE")]!.GetValue<string>());
        var links = deal[N("CRM")]!.AsArray();
        Assert.Equal("COMPANY", links[0]!["entityType"]!.GetValue<string>());
        Assert.Equal("Linked company", links[0]!["record"]!["title"]!.GetValue<string>());
        Assert.Equal("Contact", links[1]!["record"]!["__typename"]!.GetValue<string>());
        Assert.Equal("Gdańsk", deal[N("ADDRESS")]!["city"]!.GetValue<string>());
        Assert.Equal(["one", "two"], deal[N("STRING_M")]!.AsArray().Select(v => v!.GetValue<string>()));

        // An update changes what it names, clears what it sets to null and keeps the rest.
        var updated = (await Host.QueryAsync($"mutation($id: ID!, $input: UpdateDealInput!) {{ updateDeal(id: $id, input: $input) {{ deal {{ {selection} }} errors {{ code message path }} }} }}",
            new
            {
                id,
                input = new JsonObject
                {
                    [N("INTEGER")] = -5,
                    [N("NUMBER")] = null,
                    [N("BOOLEAN")] = false,
                    [N("ENUMERATION_M")] = new JsonArray(ItemId(fields["ENUMERATION_M"], 1)),
                    [N("STRING_M")] = new JsonArray(),
                    [N("MONEY")] = new JsonObject { ["amount"] = 0.5m, ["currency"] = "USD" },
                },
            })).ShouldSucceed().Data!["updateDeal"]!;
        Assert.Empty(updated["errors"]!.AsArray());
        var after = (await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ {selection} }} }}", new { id })).ShouldSucceed().Data!["deal"]!;
        Assert.Equal(-5, after[N("INTEGER")]!.GetValue<long>());
        Assert.Null(after[N("NUMBER")]);
        Assert.False(after[N("BOOLEAN")]!.GetValue<bool>());
        Assert.Equal(["Phone"], after[N("ENUMERATION_M")]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));
        Assert.Empty(after[N("STRING_M")]!.AsArray());
        Assert.Equal("USD", after[N("MONEY")]!["currency"]!.GetValue<string>());
        Assert.Equal("short text", after[N("STRING")]!.GetValue<string>());

        // The record's "updated" event names each custom field that changed, with old and new values.
        var events = await Host.QueryRowsAsync(
            $"SELECT payload FROM {Host.Table("deals", "outbox")} WHERE kind = 'record.updated' AND entity_id = @p0", long.Parse(id, CultureInfo.InvariantCulture));
        var changes = JsonNode.Parse((string)events.Single()["payload"]!)!["data"]!["changes"]!.AsObject();
        Assert.Equal(-5, changes[N("INTEGER")]!["newValue"]!.GetValue<long>());
        Assert.Equal(9_000_000_000L, changes[N("INTEGER")]!["oldValue"]!.GetValue<long>());
        Assert.False(changes.ContainsKey(N("STRING")));

        foreach (var field in fields.Values)
        {
            await Host.DeleteFieldAsync(field.Definition["id"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Search_finds_records_by_their_custom_texts_e_mails_and_phones()
    {
        var nickname = await DefineAsync("STRING", entityType: "CONTACT");
        var mail = await DefineAsync("EMAIL", entityType: "CONTACT");
        var phones = await DefineAsync("PHONE", multiple: true, entityType: "CONTACT");
        var marker = Records.NewMarker("zq");
        var digits = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var id = await Host.CreateContactAsync(new JsonObject
        {
            ["name"] = "Searched",
            [nickname.Name] = $"Nick {marker}",
            [mail.Name] = $"{marker}@custom.example.com",
            [phones.Name] = new JsonArray($"+48 {digits[..3]}-{digits[3..6]}-{digits[6..]}"),
        });
        async Task<IReadOnlyList<string>> SearchAsync(string text) =>
            Records.Ids((await Host.QueryAsync("query($s: String!) { contacts(search: $s) { nodes { id } } }", new { s = text })).ShouldSucceed().Data!["contacts"]!["nodes"]);

        Assert.Equal([id], await SearchAsync($"nick {marker.ToUpperInvariant()}"));
        Assert.Equal([id], await SearchAsync($"{marker}@custom"));
        Assert.Equal([id], await SearchAsync($"({digits[..3]}) {digits[3..6]} {digits[6..]}"));

        // A changed value is found by its new text only.
        await Host.QueryAsync($"mutation($id: ID!) {{ updateContact(id: $id, input: {{ {nickname.Name}: \"Renamed {marker}x\" }}) {{ errors {{ code }} }} }}", new { id });
        Assert.Empty(await SearchAsync($"nick {marker}"));
        Assert.Equal([id], await SearchAsync($"renamed {marker}x"));
    }

    /// <summary>Three deals per type, with values in a known order (low, high, none), under one title marker.</summary>
    private async Task<(string Marker, IReadOnlyList<string> Ids)> ThreeDealsAsync(Field field, object? low, object? high)
    {
        var marker = Records.NewMarker("cf-");
        var ids = new List<string>();
        foreach (var value in new[] { low, high })
        {
            var input = new JsonObject { ["title"] = $"{marker} {ids.Count}", [field.Name] = value is null ? null : JsonSerializer.SerializeToNode(value) };
            ids.Add(await Host.CreateDealAsync(input));
        }

        ids.Add(await Host.CreateDealAsync(new { title = $"{marker} 2" }));
        return (marker, ids);
    }

    private async Task<IReadOnlyList<string>> ListAsync(string marker, string condition, string order = "[{ id: ASC }]", int first = 10, string? after = null)
    {
        var response = (await Host.QueryAsync(
            $"query($marker: String!, $after: String) {{ deals(where: {{ title: {{ startsWith: $marker }}{(condition.Length > 0 ? ", " + condition : "")} }}, order: {order}, first: {first}, after: $after) {{ nodes {{ id }} totalCount }} }}",
            new { marker, after })).ShouldSucceed();
        var ids = Records.Ids(response.Data!["deals"]!["nodes"]);
        // A marker has three deals, all on one page: the count is the number of nodes the filter let through.
        Assert.True(first >= 3 && after is null, "ListAsync counts on a first page of at least three.");
        var total = response.Data!["deals"]!["totalCount"]!.GetValue<int>();
        Assert.True(total == ids.Count, $"totalCount is {total} where {condition} lists {ids.Count} deal(s).");
        if (condition.Length == 0)
        {
            Assert.Equal(3, ids.Count);
        }

        return ids;
    }

    public static TheoryData<string, object, object, string, string> SingleValueCases => new()
    {
        // type, low value, high value, an operand between them for ordered types (GraphQL literal), a text operand for text types
        { "STRING", "apple", "banana", "", "\"ANA\"" },
        { "TEXT", "alpha", "omega", "", "\"MEG\"" },
        { "INTEGER", 5, 500, "50", "" },
        { "NUMBER", 1.5m, 2.25m, "2", "" },
        { "DATE", "2026-01-10", "2026-03-01", "\"2026-02-01\"", "" },
        { "DATETIME", "2026-01-10T08:00:00Z", "2026-01-10T09:30:00Z", "\"2026-01-10T09:00:00Z\"", "" },
        { "MONEY", new { amount = 10m, currency = "EUR" }, new { amount = 1000m, currency = "USD" }, "100", "" },
        { "URL", "https://a.example.com", "https://z.example.com", "", "\"Z.EXAMPLE\"" },
        { "EMAIL", "ann@example.com", "zoe@example.com", "", "\"ZOE@\"" },
        { "PHONE", "+1 111", "+9 999", "", "\"999\"" },
        { "ADDRESS", new { city = "Austin", country = "USA" }, new { city = "Warsaw", country = "Poland" }, "", "\"warsaw\"" },
    };

    [Theory]
    [MemberData(nameof(SingleValueCases))]
    public async Task A_single_value_field_filters_and_sorts_like_a_built_in_one(string type, object low, object high, string middle, string text)
    {
        var field = await DefineAsync(type);
        var (marker, ids) = await ThreeDealsAsync(field, low, high);
        var n = field.Name;

        if (middle.Length > 0)
        {
            Assert.Equal(ids.Pick(1), await ListAsync(marker, $"{n}: {{ gt: {middle} }}"));
            Assert.Equal(ids.Pick(1), await ListAsync(marker, $"{n}: {{ gte: {middle} }}"));
            Assert.Equal(ids.Pick(0), await ListAsync(marker, $"{n}: {{ lt: {middle} }}"));
            Assert.Equal(ids.Pick(0), await ListAsync(marker, $"{n}: {{ lte: {middle} }}"));
        }

        Assert.Equal(ids.Pick(2), await ListAsync(marker, $"{n}: {{ isNull: true }}"));
        Assert.Equal(ids.Pick(0, 1), await ListAsync(marker, $"{n}: {{ isNull: false }}"));
        // Ascending puts empty values last, descending first, as for built-in fields.
        Assert.Equal(ids.Pick(0, 1, 2), await ListAsync(marker, "", $"[{{ {n}: ASC }}]"));
        Assert.Equal(ids.Pick(2, 1, 0), await ListAsync(marker, "", $"[{{ {n}: DESC }}]"));

        // Cursor paging on the custom key walks every record once, in order.
        var walked = new List<string>();
        string? after = null;
        for (var page = 0; page < 3; page++)
        {
            var response = (await Host.QueryAsync(
                $"query($marker: String!, $after: String) {{ deals(where: {{ title: {{ startsWith: $marker }} }}, order: [{{ {n}: DESC }}], first: 1, after: $after) {{ nodes {{ id }} pageInfo {{ endCursor }} }} }}",
                new { marker, after })).ShouldSucceed();
            walked.AddRange(Records.Ids(response.Data!["deals"]!["nodes"]));
            after = response.Data!["deals"]!["pageInfo"]!["endCursor"]?.GetValue<string>();
        }

        Assert.Equal(ids.Pick(2, 1, 0), walked);

        if (text.Length > 0)
        {
            Assert.Equal(ids.Pick(1), await ListAsync(marker, $"{n}: {{ contains: {text} }}"));
            Assert.Equal(ids.Pick(0, 2), await ListAsync(marker, $"{n}: {{ ncontains: {text} }}"));
        }

        if (type is not ("ADDRESS" or "MONEY"))
        {
            var lowLiteral = JsonSerializer.Serialize(low);
            Assert.Equal(ids.Pick(0), await ListAsync(marker, $"{n}: {{ eq: {lowLiteral} }}"));
            Assert.Equal(ids.Pick(1, 2), await ListAsync(marker, $"{n}: {{ neq: {lowLiteral} }}").ContinueWith(t => t.Result.Order(StringComparer.Ordinal).ToList()));
            Assert.Equal(ids.Pick(0), await ListAsync(marker, $"{n}: {{ in: [{lowLiteral}] }}"));
        }
    }

    [Fact]
    public async Task Boolean_enumeration_employee_and_crm_fields_filter_by_value()
    {
        var flag = await DefineAsync("BOOLEAN");
        var (flagMarker, flagIds) = await ThreeDealsAsync(flag, false, true);
        Assert.Equal(flagIds.Pick(1), await ListAsync(flagMarker, $"{flag.Name}: {{ eq: true }}"));
        Assert.Equal(flagIds.Pick(0, 1, 2), await ListAsync(flagMarker, "", $"[{{ {flag.Name}: ASC }}]"));

        var choice = await DefineAsync("ENUMERATION", items: [new { value = "Small" }, new { value = "Large" }]);
        var (choiceMarker, choiceIds) = await ThreeDealsAsync(choice, ItemId(choice, 0), ItemId(choice, 1));
        Assert.Equal(choiceIds.Pick(1), await ListAsync(choiceMarker, $"{choice.Name}: {{ eq: \"{ItemId(choice, 1)}\" }}"));
        Assert.Equal(choiceIds.Pick(0, 1), await ListAsync(choiceMarker, $"{choice.Name}: {{ in: [\"{ItemId(choice, 0)}\", \"{ItemId(choice, 1)}\"] }}"));

        var employee = await DefineAsync("EMPLOYEE");
        var (first, second) = (await Host.CreateUserAsync("First"), await Host.CreateUserAsync("Second"));
        var (employeeMarker, employeeIds) = await ThreeDealsAsync(employee, first, second);
        Assert.Equal(employeeIds.Pick(0), await ListAsync(employeeMarker, $"{employee.Name}: {{ eq: \"{first}\" }}"));

        var company = await Host.CreateCompanyAsync(new { title = "Filter target" });
        var link = await DefineAsync("CRM");
        var (linkMarker, linkIds) = await ThreeDealsAsync(link, new { entityType = "COMPANY", id = company }, null);
        Assert.Equal(linkIds.Pick(0), await ListAsync(linkMarker, $"{link.Name}: {{ eq: {{ entityType: COMPANY, id: \"{company}\" }} }}"));
        Assert.Equal(linkIds.Pick(1, 2), await ListAsync(linkMarker, $"{link.Name}: {{ isNull: true }}"));
    }

    [Fact]
    public async Task A_multiple_field_matches_when_any_of_its_values_does()
    {
        var tags = await DefineAsync("STRING", multiple: true);
        var (marker, ids) = await ThreeDealsAsync(tags, new[] { "red", "green" }, new[] { "blue" });
        var n = tags.Name;
        Assert.Equal(ids.Pick(0), await ListAsync(marker, $"{n}: {{ eq: \"green\" }}"));
        Assert.Equal(ids.Pick(0, 1), await ListAsync(marker, $"{n}: {{ in: [\"green\", \"blue\"] }}"));
        Assert.Equal(ids.Pick(1, 2), await ListAsync(marker, $"{n}: {{ nin: [\"red\"] }}"));
        Assert.Equal(ids.Pick(1), await ListAsync(marker, $"{n}: {{ contains: \"LU\" }}"));
        Assert.Equal(ids.Pick(0), await ListAsync(marker, $"{n}: {{ startsWith: \"GR\" }}"));
        Assert.Equal(ids.Pick(2), await ListAsync(marker, $"{n}: {{ isNull: true }}"));

        var amounts = await DefineAsync("NUMBER", multiple: true);
        var (numberMarker, numberIds) = await ThreeDealsAsync(amounts, new[] { 1m, 20m }, new[] { 5m });
        Assert.Equal(numberIds.Pick(0), await ListAsync(numberMarker, $"{amounts.Name}: {{ gt: 10 }}"));
        Assert.Equal(numberIds.Pick(0, 1), await ListAsync(numberMarker, $"{amounts.Name}: {{ lte: 5 }}"));

        // Multiple fields have no single value to sort by.
        var refused = await Host.QueryAsync($"{{ deals(order: [{{ {n}: ASC }}]) {{ nodes {{ id }} }} }}");
        Assert.NotEmpty(refused.Errors);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class CustomFieldValueTestsOnSqlite(SqliteHost fixture) : CustomFieldValueTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class CustomFieldValueTestsOnPostgres(PostgresHost fixture) : CustomFieldValueTests(fixture), IClassFixture<PostgresHost>;
