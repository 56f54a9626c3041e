using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Model;

/// <summary>
/// One naming rule for list fields on every type: the item's id is <c>xId</c>, the item <c>xItem</c>.
/// The names fields had before stay, deprecated, in the types, inputs, filters and order.
/// </summary>
public abstract class ListFieldNamingTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<JsonArray> FieldsAsync(string type, string kind = "fields")
    {
        var response = (await Host.QueryAsync(
            $"query($t: String!) {{ __type(name: $t) {{ {kind}{(kind == "fields" ? "(includeDeprecated: true)" : "(includeDeprecated: true)")} {{ name isDeprecated deprecationReason {(kind == "fields" ? "type { name ofType { name } }" : "")} }} }} }}",
            new { t = type })).ShouldSucceed();
        return response.Data!["__type"]![kind]!.AsArray();
    }

    [Theory]
    [InlineData("Contact")]
    [InlineData("Company")]
    [InlineData("Deal")]
    [InlineData("Lead")]
    public async Task Every_list_item_field_is_named_after_its_id_field(string type)
    {
        var fields = await FieldsAsync(type);
        var current = fields.Where(f => !f!["isDeprecated"]!.GetValue<bool>()).ToList();
        var items = current.Where(f => f!["type"]!["name"]?.GetValue<string>() == "SelectionListItem").Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(items);
        foreach (var item in items)
        {
            Assert.EndsWith("Item", item, StringComparison.Ordinal);
            Assert.Contains(current, f => f!["name"]!.GetValue<string>() == item[..^4] + "Id");
        }
    }

    [Fact]
    public async Task The_former_names_are_deprecated_not_removed()
    {
        var expected = new Dictionary<string, string[]>
        {
            ["Contact"] = ["honorific", "type", "source"],
            ["Company"] = ["companyType", "companyTypeItem", "industry", "employees"],
            ["Deal"] = ["type", "stage", "source"],
            ["Lead"] = ["honorific", "status", "source"],
        };
        foreach (var (type, former) in expected)
        {
            var fields = await FieldsAsync(type);
            foreach (var name in former)
            {
                var field = fields.FirstOrDefault(f => f!["name"]!.GetValue<string>() == name);
                Assert.True(field is not null, $"{type}.{name} is gone.");
                Assert.True(field!["isDeprecated"]!.GetValue<bool>(), $"{type}.{name} is not deprecated.");
                Assert.StartsWith("Use '", field["deprecationReason"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }

        foreach (var input in new[] { "CreateCompanyInput", "UpdateCompanyInput", "CompanyFilterInput", "CompanySortInput" })
        {
            var fields = await FieldsAsync(input, "inputFields");
            Assert.Contains(fields, f => f!["name"]!.GetValue<string>() == "companyType" && f["isDeprecated"]!.GetValue<bool>());
            Assert.Contains(fields, f => f!["name"]!.GetValue<string>() == "typeId" && !f["isDeprecated"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task The_old_and_new_names_read_write_filter_and_sort_alike()
    {
        var marker = Records.NewMarker("Names");
        var old = (await Host.QueryAsync(
            "mutation($t: String!) { createCompany(input: { title: $t, companyType: \"CUSTOMER\", industry: \"IT\" }) { company { id typeId companyType typeItem { name } companyTypeItem { name } industryId industry industryItem { id } } errors { code message } } }",
            new { t = marker + " old" })).ShouldSucceed().Data!["createCompany"]!;
        Assert.Empty(old["errors"]!.AsArray());
        var company = old["company"]!;
        Assert.Equal("CUSTOMER", company["typeId"]!.GetValue<string>());
        Assert.Equal("CUSTOMER", company["companyType"]!.GetValue<string>());
        Assert.Equal(company["typeItem"]!.ToJsonString(), company["companyTypeItem"]!.ToJsonString());
        Assert.Equal("IT", company["industryId"]!.GetValue<string>());
        Assert.Equal("IT", company["industry"]!.GetValue<string>());

        var renamed = await Host.CreateCompanyAsync(new { title = marker + " new", typeId = "PARTNER", industryId = "IT" });

        var byOld = (await Host.QueryAsync(
            "query($m: String!) { companies(where: { title: { startsWith: $m }, companyType: { eq: \"PARTNER\" } }, order: [{ companyType: ASC }]) { nodes { id } } }", new { m = marker })).ShouldSucceed();
        Assert.Equal([renamed], Records.Ids(byOld.Data!["companies"]!["nodes"]));
        var both = (await Host.QueryAsync(
            "query($m: String!) { companies(where: { title: { startsWith: $m }, typeId: { in: [\"PARTNER\", \"CUSTOMER\"] }, companyType: { neq: \"CUSTOMER\" } }) { nodes { id } } }", new { m = marker })).ShouldSucceed();
        Assert.Equal([renamed], Records.Ids(both.Data!["companies"]!["nodes"]));
        var ordered = (await Host.QueryAsync(
            "query($m: String!) { companies(where: { title: { startsWith: $m } }, order: [{ companyType: DESC }]) { nodes { id } } }", new { m = marker })).ShouldSucceed();
        Assert.Equal([renamed, company["id"]!.GetValue<string>()], Records.Ids(ordered.Data!["companies"]!["nodes"]));

        // Both names at once is a contradiction waiting to happen: refused, nothing written.
        var twice = (await Host.QueryAsync(
            "mutation($id: ID!) { updateCompany(id: $id, input: { typeId: \"CUSTOMER\", companyType: \"PARTNER\" }) { company { id } errors { code path } } }", new { id = renamed })).ShouldSucceed();
        Assert.Equal("VALIDATION", twice.Data!["updateCompany"]!["errors"]![0]!["code"]!.GetValue<string>());
        var unchanged = (await Host.QueryAsync("query($id: ID!) { company(id: $id) { typeId } }", new { id = renamed })).ShouldSucceed();
        Assert.Equal("PARTNER", unchanged.Data!["company"]!["typeId"]!.GetValue<string>());

        var contact = (await Host.QueryAsync(
            "mutation { createContact(input: { name: \"Old\", honorific: \"HNR_EN_1\" }) { contact { honorificId honorific honorificItem { id } typeItem { id } type { id } } errors { code message } } }"))
            .ShouldSucceed().Data!["createContact"]!;
        Assert.Empty(contact["errors"]!.AsArray());
        Assert.Equal("HNR_EN_1", contact["contact"]!["honorificId"]!.GetValue<string>());
        Assert.Equal("HNR_EN_1", contact["contact"]!["honorific"]!.GetValue<string>());
        Assert.Equal("HNR_EN_1", contact["contact"]!["honorificItem"]!["id"]!.GetValue<string>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ListFieldNamingOnSqlite(SqliteHost fixture) : ListFieldNamingTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ListFieldNamingOnPostgres(PostgresHost fixture) : ListFieldNamingTests(fixture), IClassFixture<PostgresHost>;
