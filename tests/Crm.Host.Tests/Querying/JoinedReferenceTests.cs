using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Plugins;

namespace Crm.Host.Tests.Querying;

/// <summary>
/// A record by id comes with the records its selected to-one references name in one statement
/// (the references joined into the parent's read), for every record type a module or plugin
/// declares; what the reader may not read stays out exactly as when each was read by itself.
/// </summary>
public abstract class JoinedReferenceTests(QuotePluginHost fixture)
{
    private const string DealQuery =
        "query Deal($id: ID!) { deal(id: $id) { id title opportunity stageItem { name } company { title } contact { name lastName } } }";

    private CrmHost Host => fixture.Host;

    private async Task<JsonNode> AdminAsync(string query, object? variables = null)
    {
        var response = (await Host.QueryAsync(query, variables)).ShouldSucceed();
        var payload = response.Data!.AsObject().Single().Value!;
        Assert.True(payload["errors"] is not JsonArray { Count: > 0 }, payload.ToJsonString());
        return payload;
    }

    /// <summary>A user in a department, with a role of <paramref name="permissions"/> and an API key acting as them.</summary>
    private async Task<(string Id, string Token)> UserAsync(string marker, string name, string departmentId, object[] permissions)
    {
        var id = (await AdminAsync("mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code message } } }",
            new { input = new { email = $"{name}.{marker}@example.com", name, lastName = marker, departmentIds = new[] { departmentId } } }))["user"]!["id"]!.GetValue<string>();
        var key = (await AdminAsync("mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key errors { code message } } }",
            new { input = new { userId = id, name = "joined" } }))["key"]!.GetValue<string>();
        var role = (await AdminAsync("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { code message } } }",
            new { input = new { name = $"{name} {marker}", permissions } }))["role"]!["id"]!.GetValue<string>();
        await AdminAsync("mutation($roleId: ID!, $userId: ID!) { assignRole(roleId: $roleId, userId: $userId) { errors { code message } } }", new { roleId = role, userId = id });
        return (id, key);
    }

    private Task<string> DepartmentAsync(string name) =>
        AdminAsync("mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } errors { code message } } }",
            new { input = new { name } }).ContinueWith(t => t.Result["department"]!["id"]!.GetValue<string>(), TaskScheduler.Default);

    [Fact]
    public async Task A_deal_by_id_with_its_company_and_contact_is_one_statement()
    {
        var marker = Records.NewMarker("Jd");
        var company = await Host.CreateCompanyAsync(new { title = $"{marker} Acme" });
        var contact = await Host.CreateContactAsync(new { name = $"{marker} Ann", lastName = "Lee" });
        var deal = await Host.CreateDealAsync(new { title = $"{marker} deal", opportunity = 12.5m, companyId = company, contactIds = new[] { contact } });
        // The stage list is cached after its first read; the deal's own statements are what counts.
        (await Host.QueryAsync(DealQuery, new { id = deal })).ShouldSucceed();

        var response = (await Host.QueryAsync(DealQuery, new { id = deal })).ShouldSucceed();
        var read = response.Data!["deal"]!;
        Assert.Equal($"{marker} deal", read["title"]!.GetValue<string>());
        Assert.Equal(12.5m, read["opportunity"]!.GetValue<decimal>());
        Assert.NotNull(read["stageItem"]!["name"]);
        Assert.Equal($"{marker} Acme", read["company"]!["title"]!.GetValue<string>());
        Assert.Equal($"{marker} Ann", read["contact"]!["name"]!.GetValue<string>());
        Assert.Equal("Lee", read["contact"]!["lastName"]!.GetValue<string>());
        Assert.Equal(1, response.Statements);

        // Without references, and with a reference that is not set, it stays one statement and null.
        var alone = await Host.CreateDealAsync(new { title = $"{marker} alone" });
        var bare = (await Host.QueryAsync(DealQuery, new { id = alone })).ShouldSucceed();
        Assert.Null(bare.Data!["deal"]!["company"]);
        Assert.Null(bare.Data!["deal"]!["contact"]);
        Assert.Equal(1, bare.Statements);
    }

    [Fact]
    public async Task Aliases_fragments_and_a_reference_selected_twice_are_answered_each_as_asked()
    {
        var marker = Records.NewMarker("Ja");
        var company = await Host.CreateCompanyAsync(new { title = $"{marker} Acme", comments = "notes" });
        var deal = await Host.CreateDealAsync(new { title = $"{marker} deal", companyId = company });

        var response = (await Host.QueryAsync("""
            query($id: ID!) { deal(id: $id) { ...D firm: company { id } company { title comments } } }
            fragment D on Deal { title ... on Deal { company { title } } }
            """, new { id = deal })).ShouldSucceed();
        var read = response.Data!["deal"]!;
        Assert.Equal(company, read["firm"]!["id"]!.GetValue<string>());
        Assert.Equal($"{marker} Acme", read["company"]!["title"]!.GetValue<string>());
        Assert.Equal("notes", read["company"]!["comments"]!.GetValue<string>());
        Assert.Equal(1, response.Statements);
    }

    [Fact]
    public async Task Joined_columns_read_as_EF_reads_them_and_selections_beyond_the_join_limit_load_in_batches()
    {
        var marker = Records.NewMarker("Jl");
        var company = await Host.CreateCompanyAsync(new
        {
            title = $"{marker} Acme", revenue = 1234.56m, comments = "notes", opened = false, industryId = "IT",
            phones = new[] { new { value = "+49 30 1234567", valueType = "WORK" } },
            emails = new[] { new { value = "acme@example.com", valueType = "WORK" } },
            webs = new[] { new { value = "https://acme.example", valueType = "WORK" } },
        });
        var deal = await Host.CreateDealAsync(new { title = $"{marker} deal", companyId = company });
        // Ten selections of the company, each its own shape: eight joined (JoinedRead.MaxJoins), two in their batches.
        string[] shapes = ["id", "title", "revenue", "comments", "opened", "createdAt", "updatedAt", "phones { value valueType }", "emails { value }", "webs { value } industryId"];
        var selection = string.Join(" ", shapes.Select((shape, i) => $"c{i}: company {{ {shape} }}"));

        var joined = (await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ title {selection} }} }}", new { id = deal })).ShouldSucceed();
        // The same fields as EF Core reads them, the company by itself.
        var alone = (await Host.QueryAsync($"query($id: ID!) {{ company(id: $id) {{ {string.Join(" ", shapes)} }} }}", new { id = company })).ShouldSucceed();
        for (var i = 0; i < shapes.Length; i++)
        {
            var shown = joined.Data!["deal"]![$"c{i}"]!.AsObject();
            Assert.All(shown, field => Assert.Equal(alone.Data!["company"]![field.Key]!.ToJsonString(), field.Value!.ToJsonString()));
        }

        Assert.Equal(1234.56m, joined.Data!["deal"]!["c2"]!["revenue"]!.GetValue<decimal>());
        Assert.Equal(1 + 2, joined.Statements);
    }

    [Fact]
    public async Task A_plugin_record_by_id_joins_its_reference_too()
    {
        var marker = Records.NewMarker("Jq");
        var deal = await Host.CreateDealAsync(new { title = $"{marker} renewal" });
        var quote = (await AdminAsync("mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } errors { code message } } }",
            new { input = new { title = $"{marker} plan", dealId = deal, amount = 10m } }))["quote"]!["id"]!.GetValue<string>();

        var response = (await Host.QueryAsync("query($id: ID!) { quote(id: $id) { title amount deal { id title } } }", new { id = quote })).ShouldSucceed();
        Assert.Equal($"{marker} plan", response.Data!["quote"]!["title"]!.GetValue<string>());
        Assert.Equal(deal, response.Data!["quote"]!["deal"]!["id"]!.GetValue<string>());
        Assert.Equal($"{marker} renewal", response.Data!["quote"]!["deal"]!["title"]!.GetValue<string>());
        Assert.Equal(1, response.Statements);
    }

    [Fact]
    public async Task A_custom_field_of_the_referenced_record_is_read_in_the_join()
    {
        var code = CustomFieldHelpers.NewCode("JOIN");
        var name = CustomFieldHelpers.FieldName(code);
        await Host.CreateFieldAsync(new { entityType = "COMPANY", code, type = "STRING", label = "Tier" });
        var marker = Records.NewMarker("Jc");
        var company = (await AdminAsync("mutation($input: CreateCompanyInput!) { createCompany(input: $input) { company { id } errors { code message } } }",
            new { input = new Dictionary<string, object> { ["title"] = $"{marker} Acme", [name] = "gold" } }))["company"]!["id"]!.GetValue<string>();
        var deal = await Host.CreateDealAsync(new { title = $"{marker} deal", companyId = company });

        var response = (await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ title company {{ title {name} }} }} }}", new { id = deal })).ShouldSucceed();
        Assert.Equal("gold", response.Data!["deal"]!["company"]![name]!.GetValue<string>());
        Assert.Equal(1, response.Statements);
    }

    [Fact]
    public async Task A_deleted_reference_reads_as_null()
    {
        var marker = Records.NewMarker("Jx");
        var company = await Host.CreateCompanyAsync(new { title = $"{marker} gone" });
        var deal = await Host.CreateDealAsync(new { title = $"{marker} deal", companyId = company });
        await AdminAsync("mutation($id: ID!) { deleteCompany(id: $id) { errors { code message } } }", new { id = company });

        var response = (await Host.QueryAsync(DealQuery, new { id = deal })).ShouldSucceed();
        Assert.Equal($"{marker} deal", response.Data!["deal"]!["title"]!.GetValue<string>());
        Assert.Null(response.Data!["deal"]!["company"]);
    }

    [Theory]
    [InlineData("OWN")]
    [InlineData("DEPARTMENT")]
    public async Task A_reference_the_reader_may_not_read_is_null_with_FORBIDDEN_as_before(string level)
    {
        var marker = Records.NewMarker("Jr");
        var sales = await DepartmentAsync($"Sales {marker}");
        var others = await DepartmentAsync($"Others {marker}");
        var permissions = new object[]
        {
            new { entityType = "DEAL", action = "READ", level },
            new { entityType = "COMPANY", action = "READ", level },
            new { entityType = "CONTACT", action = "READ", level = "ALL" },
        };
        var reader = await UserAsync(marker, "reader", sales, permissions);
        var colleague = await UserAsync(marker, "colleague", sales, []);
        var stranger = await UserAsync(marker, "stranger", others, []);

        var hidden = await Host.CreateCompanyAsync(new { title = $"{marker} secret", assignedById = stranger.Id, opened = false });
        var shown = await Host.CreateCompanyAsync(new { title = $"{marker} shared", assignedById = level == "OWN" ? reader.Id : colleague.Id, opened = false });
        var contact = await Host.CreateContactAsync(new { name = $"{marker} Ann" });
        var withHidden = await Host.CreateDealAsync(new { title = $"{marker} one", assignedById = reader.Id, companyId = hidden, contactIds = new[] { contact } });
        var withShown = await Host.CreateDealAsync(new { title = $"{marker} two", assignedById = reader.Id, companyId = shown });
        var notMine = await Host.CreateDealAsync(new { title = $"{marker} three", assignedById = stranger.Id, companyId = shown });

        // The administrator reads the same selection first: the reader's read must still be narrowed.
        Assert.Equal($"{marker} secret", (await Host.QueryAsync(DealQuery, new { id = withHidden })).ShouldSucceed().Data!["deal"]!["company"]!["title"]!.GetValue<string>());

        var linked = await Host.QueryAsync(DealQuery, new { id = withHidden }, apiKey: reader.Token);
        Assert.Equal($"{marker} one", linked.Data!["deal"]!["title"]!.GetValue<string>());
        Assert.Null(linked.Data!["deal"]!["company"]);
        Assert.Equal($"{marker} Ann", linked.Data!["deal"]!["contact"]!["name"]!.GetValue<string>());
        Assert.Equal(["FORBIDDEN"], linked.ErrorCodes);
        Assert.Equal(["deal", "company"], linked.Errors[0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.DoesNotContain("secret", linked.Body.ToJsonString(), StringComparison.Ordinal);

        var visible = (await Host.QueryAsync(DealQuery, new { id = withShown }, apiKey: reader.Token)).ShouldSucceed();
        Assert.Equal($"{marker} shared", visible.Data!["deal"]!["company"]!["title"]!.GetValue<string>());
        // The joins add no statement to the reader's read of the deal alone.
        var alone = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { id title } }", new { id = withShown }, apiKey: reader.Token)).ShouldSucceed();
        Assert.Equal(alone.Statements, visible.Statements);

        var refused = await Host.QueryAsync(DealQuery, new { id = notMine }, apiKey: reader.Token);
        Assert.Null(refused.Data!["deal"]);
        Assert.Equal(["FORBIDDEN"], refused.ErrorCodes);
        Assert.DoesNotContain("shared", refused.Body.ToJsonString(), StringComparison.Ordinal);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class JoinedReferenceTestsOnSqlite(QuotePluginSqliteHost fixture) : JoinedReferenceTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class JoinedReferenceTestsOnPostgres(QuotePluginPostgresHost fixture) : JoinedReferenceTests(fixture), IClassFixture<QuotePluginPostgresHost>;
