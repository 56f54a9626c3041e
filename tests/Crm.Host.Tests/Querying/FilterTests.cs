using System.Globalization;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Querying;

/// <summary>
/// The <c>where</c> argument through GraphQL: every operator of every kind of field, on both
/// engines. Each test makes records of its own and narrows every query to them.
/// </summary>
public abstract class FilterTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private static Dictionary<string, object?> Where(string field, string op, object? value) =>
        new() { [field] = new Dictionary<string, object?> { [op] = value } };

    private static Dictionary<string, object?> And(params object[] filters) => new() { ["and"] = filters };

    private static Dictionary<string, object?> Or(params object[] filters) => new() { ["or"] = filters };

    /// <summary>The ids, in id order, of the contacts among <paramref name="scope"/> that match.</summary>
    private async Task<IReadOnlyList<string>> ContactsAsync(IReadOnlyList<string> scope, object where) =>
        await ListAsync("contacts", "ContactFilterInput", And(Where("id", "in", scope), where));

    private async Task<IReadOnlyList<string>> CompaniesAsync(IReadOnlyList<string> scope, object where) =>
        await ListAsync("companies", "CompanyFilterInput", And(Where("id", "in", scope), where));

    private async Task<IReadOnlyList<string>> ListAsync(string field, string filterType, object where)
    {
        var response = (await Host.QueryAsync(
            $"query($where: {filterType}) {{ {field}(where: $where, first: 200) {{ nodes {{ id }} }} }}",
            new { where })).ShouldSucceed();
        return Records.Ids(response.Data![field]!["nodes"]);
    }

    private async Task ExpectContacts(IReadOnlyList<string> ids, object where, params int[] expected) =>
        Assert.Equal(ids.Pick(expected), await ContactsAsync(ids, where));

    [Fact]
    public async Task String_operators_on_contact_names()
    {
        var m = Records.NewMarker("Fs");
        string[][] people =
        [
            [$"{m} Alice", "Smith"],
            [$"{m} alicia", "Smythe"],
            [$"{m} Bob", null!],
            [$"{m} 100% real_", "O_Neil"],
            [$"{m} 100x realX", "OxNeil"],
            [$"{m} back\\slash", "Back\\Slash"],
        ];
        var ids = new List<string>();
        foreach (var person in people)
        {
            ids.Add(await Host.CreateContactAsync(new { name = person[0], lastName = person[1] }));
        }

        await ExpectContacts(ids, Where("name", "eq", $"{m} Alice"), 0);
        await ExpectContacts(ids, Where("name", "neq", $"{m} Alice"), 1, 2, 3, 4, 5);
        await ExpectContacts(ids, Where("lastName", "eq", "Smith"), 0);
        // A missing value is not equal to the text: neq and nin keep it, on both engines.
        await ExpectContacts(ids, Where("lastName", "neq", "Smith"), 1, 2, 3, 4, 5);
        await ExpectContacts(ids, Where("lastName", "in", new[] { "Smith", "OxNeil", "Nobody" }), 0, 4);
        await ExpectContacts(ids, Where("lastName", "nin", new[] { "Smith", "OxNeil" }), 1, 2, 3, 5);
        await ExpectContacts(ids, Where("lastName", "in", Array.Empty<string>()));
        await ExpectContacts(ids, Where("lastName", "nin", Array.Empty<string>()), 0, 1, 2, 3, 4, 5);

        // contains, startsWith and endsWith ignore the case of ASCII letters.
        await ExpectContacts(ids, Where("name", "contains", "ALIC"), 0, 1);
        await ExpectContacts(ids, Where("lastName", "contains", "sM"), 0, 1);
        await ExpectContacts(ids, Where("lastName", "ncontains", "SM"), 2, 3, 4, 5);
        await ExpectContacts(ids, Where("name", "startsWith", m.ToUpperInvariant() + " ALI"), 0, 1);
        await ExpectContacts(ids, Where("lastName", "startsWith", "sm"), 0, 1);
        await ExpectContacts(ids, Where("lastName", "endsWith", "NEIL"), 3, 4);
        await ExpectContacts(ids, Where("name", "endsWith", "ice"), 0);
        await ExpectContacts(ids, Where("name", "contains", ""), 0, 1, 2, 3, 4, 5);

        await ExpectContacts(ids, Where("lastName", "isNull", true), 2);
        await ExpectContacts(ids, Where("lastName", "isNull", false), 0, 1, 3, 4, 5);
        await ExpectContacts(ids, Where("lastName", "eq", null), 2);
        await ExpectContacts(ids, Where("lastName", "neq", null), 0, 1, 3, 4, 5);
    }

    [Fact]
    public async Task Like_wildcards_in_the_text_are_matched_literally()
    {
        var m = Records.NewMarker("Fw");
        var ids = new List<string>();
        foreach (var (name, lastName) in new[]
                 {
                     ($"{m} 100% real_", "O_Neil"),
                     ($"{m} 100x realX", "OxNeil"),
                     ($"{m} back\\slash", "Back\\Slash"),
                     ($"{m} plain", "Plain"),
                 })
        {
            ids.Add(await Host.CreateContactAsync(new { name, lastName }));
        }

        await ExpectContacts(ids, Where("name", "contains", "0% r"), 0);
        await ExpectContacts(ids, Where("name", "contains", "%"), 0);
        await ExpectContacts(ids, Where("name", "contains", "_"), 0);
        await ExpectContacts(ids, Where("name", "endsWith", "l_"), 0);
        await ExpectContacts(ids, Where("lastName", "startsWith", "o_"), 0);
        await ExpectContacts(ids, Where("lastName", "contains", "_N"), 0);
        await ExpectContacts(ids, Where("lastName", "ncontains", "_"), 1, 2, 3);
        await ExpectContacts(ids, Where("name", "contains", "k\\s"), 2);
        await ExpectContacts(ids, Where("lastName", "endsWith", "\\slash"), 2);
        await ExpectContacts(ids, Where("name", "contains", "\\"), 2);
        await ExpectContacts(ids, Where("name", "startsWith", m + " 100%"), 0);
        await ExpectContacts(ids, Where("name", "contains", "%%"));
    }

    [Fact]
    public async Task Id_operators_on_the_id_and_on_assignedById()
    {
        var m = Records.NewMarker("Fi");
        var ids = new List<string>();
        foreach (var assignedById in new[] { "1", "1", "2", null })
        {
            var created = Host.CreateContactAsync(new { name = m, assignedById });
            ids.Add(assignedById is null ? await Host.UnassignedAsync("Contact", created) : await created);
        }

        await ExpectContacts(ids, Where("id", "eq", ids[1]), 1);
        await ExpectContacts(ids, Where("id", "neq", ids[1]), 0, 2, 3);
        await ExpectContacts(ids, Where("id", "in", new[] { ids[0], ids[3], "999999999" }), 0, 3);
        await ExpectContacts(ids, Where("id", "nin", new[] { ids[0], ids[3] }), 1, 2);
        await ExpectContacts(ids, Where("id", "isNull", true));
        await ExpectContacts(ids, Where("id", "isNull", false), 0, 1, 2, 3);

        await ExpectContacts(ids, Where("assignedById", "eq", "1"), 0, 1);
        await ExpectContacts(ids, Where("assignedById", "neq", "1"), 2, 3);
        await ExpectContacts(ids, Where("assignedById", "in", new[] { "2", "3" }), 2);
        await ExpectContacts(ids, Where("assignedById", "nin", new[] { "1" }), 2, 3);
        await ExpectContacts(ids, Where("assignedById", "isNull", true), 3);
        await ExpectContacts(ids, Where("assignedById", "isNull", false), 0, 1, 2);
        await ExpectContacts(ids, Where("assignedById", "eq", null), 3);

        // The scope itself by name, not by id.
        var byName = await ListAsync("contacts", "ContactFilterInput", Where("name", "eq", m));
        Assert.Equal(ids, byName);
    }

    [Fact]
    public async Task A_malformed_id_in_a_filter_is_INVALID_ID()
    {
        var response = await Host.QueryAsync("{ contacts(where: { id: { eq: \"abc\" } }) { nodes { id } } }");
        Assert.Equal(["INVALID_ID"], response.ErrorCodes);
    }

    [Fact]
    public async Task Boolean_operators_on_opened()
    {
        var m = Records.NewMarker("Fb");
        var ids = new List<string>();
        foreach (var opened in new[] { true, false, true })
        {
            ids.Add(await Host.CreateContactAsync(new { name = m, opened }));
        }

        await ExpectContacts(ids, Where("opened", "eq", true), 0, 2);
        await ExpectContacts(ids, Where("opened", "eq", false), 1);
        await ExpectContacts(ids, Where("opened", "neq", true), 1);
        await ExpectContacts(ids, Where("opened", "neq", false), 0, 2);
        await ExpectContacts(ids, Where("opened", "isNull", true));
        await ExpectContacts(ids, Where("opened", "isNull", false), 0, 1, 2);
        await ExpectContacts(ids, Where("opened", "eq", null));
    }

    [Fact]
    public async Task Date_operators_on_birthdate()
    {
        var m = Records.NewMarker("Fd");
        var ids = new List<string>();
        foreach (var birthdate in new[] { "1980-01-15", "1990-06-30", "2000-12-31", null, "1990-07-01" })
        {
            ids.Add(await Host.CreateContactAsync(new { name = m, birthdate }));
        }

        await ExpectContacts(ids, Where("birthdate", "eq", "1990-06-30"), 1);
        await ExpectContacts(ids, Where("birthdate", "neq", "1990-06-30"), 0, 2, 3, 4);
        await ExpectContacts(ids, Where("birthdate", "in", new[] { "1980-01-15", "2000-12-31" }), 0, 2);
        await ExpectContacts(ids, Where("birthdate", "nin", new[] { "1980-01-15", "2000-12-31" }), 1, 3, 4);
        await ExpectContacts(ids, Where("birthdate", "gt", "1990-06-30"), 2, 4);
        await ExpectContacts(ids, Where("birthdate", "gte", "1990-06-30"), 1, 2, 4);
        await ExpectContacts(ids, Where("birthdate", "lt", "1990-06-30"), 0);
        await ExpectContacts(ids, Where("birthdate", "lte", "1990-06-30"), 0, 1);
        await ExpectContacts(ids, Where("birthdate", "isNull", true), 3);
        await ExpectContacts(ids, Where("birthdate", "isNull", false), 0, 1, 2, 4);
        await ExpectContacts(ids, Where("birthdate", "eq", null), 3);
        // Several operators on one field must all hold.
        await ExpectContacts(ids, new Dictionary<string, object?> { ["birthdate"] = new { gte = "1990-01-01", lt = "2000-01-01" } }, 1, 4);
    }

    [Fact]
    public async Task DateTime_operators_on_createdAt()
    {
        var m = Records.NewMarker("Ft");
        var ids = new List<string>();
        var returned = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var created = (await Host.QueryAsync(
                "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id createdAt } } }",
                new { input = new { name = m } })).ShouldSucceed();
            ids.Add(created.Data!["createContact"]!["contact"]!["id"]!.GetValue<string>());
            returned.Add(created.Data!["createContact"]!["contact"]!["createdAt"]!.GetValue<string>());
            await Task.Delay(5);
        }

        var read = (await Host.QueryAsync(
            "query($ids: [ID]) { contacts(where: { id: { in: $ids } }) { nodes { id createdAt } } }", new { ids })).ShouldSucceed();
        var times = read.Data!["contacts"]!["nodes"]!.AsArray().Select(n => n!["createdAt"]!.GetValue<string>()).ToList();
        Assert.Equal(3, times.Distinct().Count());

        // What createContact answered is what was stored.
        Assert.Equal(returned, times);

        await ExpectContacts(ids, Where("createdAt", "eq", times[1]), 1);
        await ExpectContacts(ids, Where("createdAt", "neq", times[1]), 0, 2);
        await ExpectContacts(ids, Where("createdAt", "in", new[] { times[0], times[2] }), 0, 2);
        await ExpectContacts(ids, Where("createdAt", "nin", new[] { times[0], times[2] }), 1);
        await ExpectContacts(ids, Where("createdAt", "gt", times[0]), 1, 2);
        await ExpectContacts(ids, Where("createdAt", "gte", times[1]), 1, 2);
        await ExpectContacts(ids, Where("createdAt", "lt", times[2]), 0, 1);
        await ExpectContacts(ids, Where("createdAt", "lte", times[1]), 0, 1);
        await ExpectContacts(ids, Where("createdAt", "isNull", true));
        await ExpectContacts(ids, Where("createdAt", "isNull", false), 0, 1, 2);

        // The same instant written with another offset is the same instant.
        var elsewhere = DateTimeOffset.Parse(times[1], CultureInfo.InvariantCulture).ToOffset(TimeSpan.FromHours(2))
            .ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
        await ExpectContacts(ids, Where("createdAt", "eq", elsewhere), 1);
        await ExpectContacts(ids, Where("createdAt", "gte", elsewhere), 1, 2);
    }

    [Fact]
    public async Task And_and_or_nest()
    {
        var m = Records.NewMarker("Fn");
        var ids = new List<string>
        {
            await Host.CreateContactAsync(new { name = m + " a", lastName = "Smith", opened = true, birthdate = "1980-01-01" }),
            await Host.CreateContactAsync(new { name = m + " b", lastName = "Smith", opened = false, birthdate = "1985-01-01" }),
            await Host.CreateContactAsync(new { name = m + " c", opened = false }),
            await Host.CreateContactAsync(new { name = m + " d", lastName = "Jones", opened = true, birthdate = "1995-01-01" }),
        };

        await ExpectContacts(ids, Or(Where("lastName", "eq", "Smith"), Where("lastName", "isNull", true)), 0, 1, 2);
        await ExpectContacts(ids, And(Where("opened", "eq", false), Or(Where("lastName", "eq", "Smith"), Where("birthdate", "isNull", true))), 1, 2);
        await ExpectContacts(ids,
            Or(
                And(Where("opened", "eq", true), Where("birthdate", "gt", "1990-01-01")),
                And(Where("opened", "eq", false), Where("lastName", "isNull", true))),
            2, 3);
        await ExpectContacts(ids, Or(And(Or(Where("name", "endsWith", " a"), Where("name", "endsWith", " d")))), 0, 3);
        // Fields side by side must all hold, like "and".
        await ExpectContacts(ids, new Dictionary<string, object?>
        {
            ["lastName"] = new { startsWith = "S", endsWith = "h" },
            ["opened"] = new { eq = true },
        }, 0);
        // "and" and "or" side by side must both hold.
        await ExpectContacts(ids, new Dictionary<string, object?>
        {
            ["and"] = new object[] { Where("opened", "eq", true) },
            ["or"] = new object[] { Where("lastName", "eq", "Jones"), Where("birthdate", "lt", "1981-01-01") },
        }, 0, 3);
    }

    [Fact]
    public async Task Eq_null_written_in_the_query_text_means_is_null()
    {
        var m = Records.NewMarker("Fq");
        var withLastName = await Host.CreateContactAsync(new { name = m, lastName = "Lee" });
        var without = await Host.CreateContactAsync(new { name = m });

        var response = (await Host.QueryAsync(
            $$"""{ contacts(where: { name: { eq: "{{m}}" }, lastName: { eq: null } }) { nodes { id } } }""")).ShouldSucceed();
        Assert.Equal([without], Records.Ids(response.Data!["contacts"]!["nodes"]));

        response = (await Host.QueryAsync(
            $$"""{ contacts(where: { name: { eq: "{{m}}" }, lastName: { neq: null } }) { nodes { id } } }""")).ShouldSucceed();
        Assert.Equal([withLastName], Records.Ids(response.Data!["contacts"]!["nodes"]));
    }

    [Fact]
    public async Task Company_fields_filter_alike()
    {
        var m = Records.NewMarker("Fc");
        var ids = new List<string>
        {
            await Host.UnassignedAsync("Company", Host.CreateCompanyAsync(new { title = $"{m} Acme_Corp", industry = "IT", opened = true })),
            await Host.UnassignedAsync("Company", Host.CreateCompanyAsync(new { title = $"{m} acmeXcorp", opened = false })),
            await Host.CreateCompanyAsync(new { title = $"{m} Globex 50%", industry = "MANUFACTURING", assignedById = "1" }),
        };

        async Task Expect(object where, params int[] expected) => Assert.Equal(ids.Pick(expected), await CompaniesAsync(ids, where));

        await Expect(Where("title", "eq", $"{m} Acme_Corp"), 0);
        await Expect(Where("title", "neq", $"{m} Acme_Corp"), 1, 2);
        await Expect(Where("title", "in", new[] { $"{m} acmeXcorp", $"{m} Globex 50%" }), 1, 2);
        await Expect(Where("title", "nin", new[] { $"{m} acmeXcorp" }), 0, 2);
        await Expect(Where("title", "contains", "ACME"), 0, 1);
        await Expect(Where("title", "contains", "e_c"), 0);
        await Expect(Where("title", "ncontains", "acme"), 2);
        await Expect(Where("title", "startsWith", m.ToUpperInvariant() + " ACME"), 0, 1);
        await Expect(Where("title", "endsWith", "50%"), 2);
        await Expect(Where("title", "endsWith", "0%"), 2);
        await Expect(Where("title", "isNull", false), 0, 1, 2);
        await Expect(Where("industry", "isNull", true), 1);
        await Expect(Where("industry", "eq", null), 1);
        await Expect(Where("industry", "neq", "IT"), 1, 2);
        await Expect(Where("industry", "startsWith", "manu"), 2);
        await Expect(Where("opened", "eq", false), 1);
        await Expect(Where("opened", "neq", false), 0, 2);
        await Expect(Where("assignedById", "isNull", true), 0, 1);
        await Expect(Where("assignedById", "in", new[] { "1" }), 2);
        await Expect(Where("id", "eq", ids[2]), 2);
        await Expect(Or(Where("industry", "eq", "IT"), And(Where("opened", "eq", false), Where("title", "contains", "corp"))), 0, 1);

        var read = (await Host.QueryAsync(
            "query($ids: [ID]) { companies(where: { id: { in: $ids } }) { nodes { createdAt } } }", new { ids })).ShouldSucceed();
        var times = read.Data!["companies"]!["nodes"]!.AsArray().Select(n => n!["createdAt"]!.GetValue<string>()).ToList();
        await Expect(Where("createdAt", "gte", times[1]), 1, 2);
        await Expect(Where("createdAt", "lt", times[1]), 0);
    }

    [Theory]
    [InlineData("{ contacts(where: { opened: { contains: \"x\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { id: { gt: \"1\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { assignedById: { startsWith: \"1\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { birthdate: { contains: \"1990\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { createdAt: { endsWith: \"Z\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { name: { gt: \"a\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { name: { like: \"a%\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { nickname: { eq: \"x\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { emails: { eq: \"x\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { opened: { eq: \"yes\" } }) { nodes { id } } }")]
    [InlineData("{ contacts(where: { birthdate: { eq: \"not a date\" } }) { nodes { id } } }")]
    [InlineData("{ companies(where: { title: { lt: \"a\" } }) { nodes { id } } }")]
    [InlineData("{ companies(where: { or: [{ webs: { eq: \"x\" } }] }) { nodes { id } } }")]
    public async Task An_unknown_or_unsupported_operator_is_a_VALIDATION_error(string query)
    {
        var response = await Host.QueryAsync(query);
        Assert.NotEmpty(response.ErrorCodes);
        Assert.All(response.ErrorCodes, code => Assert.Equal("VALIDATION", code));
        Assert.Null(response.Data?["contacts"] ?? response.Data?["companies"]);
    }

    [Fact]
    public async Task An_unknown_operator_in_variables_is_a_VALIDATION_error()
    {
        var response = await Host.QueryAsync(
            "query($where: ContactFilterInput) { contacts(where: $where) { nodes { id } } }",
            new { where = new { name = new { like = "a%" } } });
        Assert.NotEmpty(response.ErrorCodes);
        Assert.All(response.ErrorCodes, code => Assert.Equal("VALIDATION", code));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class FilterTestsOnSqlite(SqliteHost fixture) : FilterTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class FilterTestsOnPostgres(PostgresHost fixture) : FilterTests(fixture), IClassFixture<PostgresHost>;
