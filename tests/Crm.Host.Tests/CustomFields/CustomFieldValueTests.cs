using System.Globalization;
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
            [N("EMPLOYEE")] = "7",
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
        Assert.Equal("7", deal[N("EMPLOYEE")]!.GetValue<string>());
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
            $"SELECT payload FROM {Host.Table("deals", "outbox")} WHERE kind = 'updated' AND entity_id = @p0", long.Parse(id, CultureInfo.InvariantCulture));
        var changes = JsonNode.Parse((string)events.Single()["payload"]!)!["changes"]!.AsObject();
        Assert.Equal(-5, changes[N("INTEGER")]!["newValue"]!.GetValue<long>());
        Assert.Equal(9_000_000_000L, changes[N("INTEGER")]!["oldValue"]!.GetValue<long>());
        Assert.False(changes.ContainsKey(N("STRING")));

        foreach (var field in fields.Values)
        {
            await Host.DeleteFieldAsync(field.Definition["id"]!.GetValue<string>());
        }
    }
}

public sealed class CustomFieldValueTestsOnSqlite(SqliteHost fixture) : CustomFieldValueTests(fixture), IClassFixture<SqliteHost>;

public sealed class CustomFieldValueTestsOnPostgres(PostgresHost fixture) : CustomFieldValueTests(fixture), IClassFixture<PostgresHost>;
