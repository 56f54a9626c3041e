using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.GraphQL;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Integrity;

/// <summary>
/// No reference outlives the record it points at: deleting a record clears every reference to it
/// through the registry (reference fields, link tables, custom CRM links) in the same
/// transaction, each change an "updated" event of the record that held it; or, when a
/// reference cannot let go, the delete is refused and nothing changes.
/// </summary>
public abstract class ReferenceCleanupTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private static long Id(string id) => long.Parse(id, CultureInfo.InvariantCulture);

    private async Task<Dictionary<string, object?>> RowAsync(string module, string table, string id) =>
        (await Host.QueryRowsAsync($"SELECT * FROM {Host.Table(module, table)} WHERE id = @p0", Id(id))).Single();

    private async Task<long> CountAsync(string sql, params object[] parameters) =>
        Convert.ToInt64((await Host.QueryRowsAsync(sql, parameters)).Single().Values.Single(), CultureInfo.InvariantCulture);

    /// <summary>The fields the latest "updated" event of a record says changed.</summary>
    private async Task<JsonObject> LastChangesAsync(string module, string entityType, string id)
    {
        var rows = await Host.QueryRowsAsync(
            $"SELECT payload FROM {Host.Table(module, "outbox")} WHERE entity_type = @p0 AND entity_id = @p1 AND kind = 'record.updated' ORDER BY id DESC",
            entityType, Id(id));
        Assert.True(rows.Count > 0, $"{entityType} {id} has no 'updated' event.");
        return JsonNode.Parse((string)rows[0]["payload"]!)!["data"]!["changes"]!.AsObject();
    }

    private async Task DeleteAsync(string type, string id)
    {
        var pascal = char.ToUpperInvariant(type[0]) + type[1..];
        var response = (await Host.QueryAsync($"mutation($id: ID!) {{ delete{pascal}(id: $id) {{ deletedId errors {{ code message }} }} }}", new { id })).ShouldSucceed();
        var payload = response.Data![$"delete{pascal}"]!;
        Assert.True(payload["errors"]!.AsArray().Count == 0, payload.ToJsonString());
        Assert.Equal(id, payload["deletedId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_a_company_clears_every_reference_to_it_with_an_event_each()
    {
        var single = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("ACCOUNT"), type = "CRM", label = "Account", settings = new { recordTypes = new[] { "COMPANY" } } });
        var multiple = await Host.CreateFieldAsync(new { entityType = "CONTACT", code = CustomFieldHelpers.NewCode("PARTNERS"), type = "CRM", label = "Partners", multiple = true });
        var singleName = single["fieldName"]!.GetValue<string>();
        var multipleName = multiple["fieldName"]!.GetValue<string>();
        var doomed = await Host.CreateCompanyAsync(new { title = Records.NewMarker("Doomed") });
        var kept = await Host.CreateCompanyAsync(new { title = Records.NewMarker("Kept") });
        var contact = await Host.CreateContactAsync(new Dictionary<string, object?>
        {
            ["name"] = "Linked",
            ["companyIds"] = new[] { doomed, kept },
            [multipleName] = new[] { new { entityType = "COMPANY", id = doomed }, new { entityType = "COMPANY", id = kept } },
        });
        var deal = await Host.CreateDealAsync(new Dictionary<string, object?>
        {
            ["title"] = "Linked",
            ["companyId"] = doomed,
            [singleName] = new { entityType = "COMPANY", id = doomed },
        });
        var lead = await Host.CreateLeadAsync(new { title = "Linked" });
        (await Host.QueryAsync("mutation($id: ID!, $company: ID!) { convertLead(id: $id, input: { companyId: $company }) { errors { code } } }", new { id = lead, company = doomed })).ShouldSucceed();
        Assert.Equal(Id(doomed), Convert.ToInt64((await RowAsync("leads", "leads", lead))["company_id"], CultureInfo.InvariantCulture));

        await DeleteAsync("company", doomed);

        Assert.Null((await RowAsync("deals", "deals", deal))["company_id"]);
        Assert.Null((await RowAsync("leads", "leads", lead))["company_id"]);
        Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("contacts", "contact_companies")} WHERE company_id = @p0", Id(doomed)));
        var read = (await Host.QueryAsync(
            $"query($c: ID!, $d: ID!) {{ contact(id: $c) {{ companies {{ id }} {multipleName} {{ id }} }} deal(id: $d) {{ companyId {singleName} {{ id }} }} }}",
            new { c = contact, d = deal })).ShouldSucceed().Data!;
        Assert.Equal([kept], Records.Ids(read["contact"]!["companies"]));
        Assert.Equal([kept], Records.Ids(read["contact"]![multipleName]));
        Assert.Null(read["deal"]!["companyId"]);
        Assert.Null(read["deal"]![singleName]);

        // Each record that let go says so in its history.
        var dealChanges = await LastChangesAsync("deals", "deal", deal);
        Assert.Equal(doomed, dealChanges["companyId"]!["oldValue"]!.ToJsonString().Trim('"'));
        Assert.Null(dealChanges["companyId"]!["newValue"]);
        Assert.True(dealChanges.ContainsKey(singleName), dealChanges.ToJsonString());
        var contactChanges = await LastChangesAsync("contacts", "contact", contact);
        Assert.True(contactChanges.ContainsKey("companyIds") && contactChanges.ContainsKey(multipleName), contactChanges.ToJsonString());
        Assert.True((await LastChangesAsync("leads", "lead", lead)).ContainsKey("companyId"));
    }

    [Fact]
    public async Task Deleting_a_deals_primary_contact_makes_the_next_one_primary()
    {
        var first = await Host.CreateContactAsync(new { name = "First" });
        var second = await Host.CreateContactAsync(new { name = "Second" });
        var deal = await Host.CreateDealAsync(new { title = "Two contacts", contactIds = new[] { first, second } });
        var lead = await Host.CreateLeadAsync(new { title = "Became the contact" });
        (await Host.QueryAsync("mutation($id: ID!, $contact: ID!) { convertLead(id: $id, input: { contactId: $contact }) { errors { code } } }", new { id = lead, contact = first })).ShouldSucceed();

        await DeleteAsync("contact", first);

        var read = (await Host.QueryAsync("query($d: ID!) { deal(id: $d) { contactId contacts { id } } }", new { d = deal })).ShouldSucceed().Data!["deal"]!;
        Assert.Equal(second, read["contactId"]!.GetValue<string>());
        Assert.Equal([second], Records.Ids(read["contacts"]));
        Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("deals", "deal_contacts")} WHERE contact_id = @p0", Id(first)));
        Assert.Null((await RowAsync("leads", "leads", lead))["contact_id"]);
        var changes = await LastChangesAsync("deals", "deal", deal);
        Assert.True(changes.ContainsKey("contactIds") && changes.ContainsKey("contactId"), changes.ToJsonString());
    }

    [Fact]
    public async Task Deleting_a_lead_clears_what_was_converted_from_it_and_a_deal_its_lead()
    {
        var marker = Records.NewMarker("Origin");
        var lead = await Host.CreateLeadAsync(new { title = marker, name = marker, companyTitle = marker });
        var converted = (await Host.QueryAsync(
            "mutation($id: ID!) { convertLead(id: $id, input: { createContact: true, createCompany: {}, createDeal: {} }) { contact { id } company { id } deal { id } errors { code } } }",
            new { id = lead })).ShouldSucceed().Data!["convertLead"]!;
        var (contact, company, deal) = (converted["contact"]!["id"]!.GetValue<string>(), converted["company"]!["id"]!.GetValue<string>(), converted["deal"]!["id"]!.GetValue<string>());

        await DeleteAsync("deal", deal);
        Assert.Null((await RowAsync("leads", "leads", lead))["deal_id"]);

        await DeleteAsync("lead", lead);
        Assert.Null((await RowAsync("contacts", "contacts", contact))["lead_id"]);
        Assert.Null((await RowAsync("companies", "companies", company))["lead_id"]);
    }

    [Fact]
    public async Task A_mandatory_custom_link_refuses_the_delete_and_nothing_changes()
    {
        var field = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("NEEDS"), type = "CRM", label = "Needs a company", mandatory = true, settings = new { recordTypes = new[] { "COMPANY" } } });
        var fieldName = field["fieldName"]!.GetValue<string>();
        try
        {
            var company = await Host.CreateCompanyAsync(new { title = Records.NewMarker("Held") });
            var contact = await Host.CreateContactAsync(new { name = "Member", companyIds = new[] { company } });
            var deal = await Host.CreateDealAsync(new Dictionary<string, object?> { ["title"] = "Holds it", ["companyId"] = company, [fieldName] = new { entityType = "COMPANY", id = company } });
            var before = await Host.QueryRowsAsync($"SELECT * FROM {Host.Table("deals", "outbox")} ORDER BY id");

            var response = (await Host.QueryAsync("mutation($id: ID!) { deleteCompany(id: $id) { deletedId errors { code message } } }", new { id = company })).ShouldSucceed();

            var errors = response.Data!["deleteCompany"]!["errors"]!.AsArray();
            Assert.Equal("CONFLICT", errors[0]!["code"]!.GetValue<string>());
            Assert.Contains($"deal {deal}", errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Null(response.Data!["deleteCompany"]!["deletedId"]);
            Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("companies", "companies")} WHERE id = @p0", Id(company)));
            Assert.Equal(Id(company), Convert.ToInt64((await RowAsync("deals", "deals", deal))["company_id"], CultureInfo.InvariantCulture));
            Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("contacts", "contact_companies")} WHERE company_id = @p0 AND contact_id = @p1", Id(company), Id(contact)));
            Assert.Equal(before.Count, (await Host.QueryRowsAsync($"SELECT * FROM {Host.Table("deals", "outbox")} ORDER BY id")).Count);
        }
        finally
        {
            // A mandatory field would refuse the other tests' deals.
            await Host.DeleteFieldAsync(field["id"]!.GetValue<string>());
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ReferenceCleanupOnSqlite(SqliteHost fixture) : ReferenceCleanupTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ReferenceCleanupOnPostgres(PostgresHost fixture) : ReferenceCleanupTests(fixture), IClassFixture<PostgresHost>;

/// <summary>Limits:MaxDetachedReferences: a delete that would have to update more records than that is refused before it starts.</summary>
public abstract class DetachLimitTests(ConfiguredHostFixture fixture)
{
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?> { ["Limits:MaxDetachedReferences"] = "3" };

    private CrmHost Host => fixture.Host;

    [Theory]
    [InlineData(3, true)]
    [InlineData(4, false)]
    [InlineData(30, false)]
    public async Task A_delete_may_detach_at_most_the_limit(int contacts, bool allowed)
    {
        var company = await Host.CreateCompanyAsync(new { title = Records.NewMarker("Big") });
        for (var i = 0; i < contacts; i++)
        {
            await Host.CreateContactAsync(new { name = $"Member {i}", companyIds = new[] { company } });
        }

        var response = (await Host.QueryAsync("mutation($id: ID!) { deleteCompany(id: $id) { deletedId errors { code message } } }", new { id = company })).ShouldSucceed();
        var payload = response.Data!["deleteCompany"]!;
        var links = Convert.ToInt64((await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table("contacts", "contact_companies")} WHERE company_id = @p0", long.Parse(company, CultureInfo.InvariantCulture))).Single()["n"], CultureInfo.InvariantCulture);
        if (allowed)
        {
            Assert.Equal(company, payload["deletedId"]!.GetValue<string>());
            Assert.Equal(0, links);
        }
        else
        {
            Assert.Equal("LIMIT_EXCEEDED", payload["errors"]![0]!["code"]!.GetValue<string>());
            Assert.Contains("Limits:MaxDetachedReferences", payload["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(contacts, links);
        }
    }
}

public sealed class DetachLimitSqliteHost() : ConfiguredHostFixture(Engine.Sqlite, DetachLimitTests.Settings);

public sealed class DetachLimitPostgresHost() : ConfiguredHostFixture(Engine.Postgres, DetachLimitTests.Settings);

[Trait("Engine", "Sqlite")]
public sealed class DetachLimitOnSqlite(DetachLimitSqliteHost fixture) : DetachLimitTests(fixture), IClassFixture<DetachLimitSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DetachLimitOnPostgres(DetachLimitPostgresHost fixture) : DetachLimitTests(fixture), IClassFixture<DetachLimitPostgresHost>;
