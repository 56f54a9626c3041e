using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Leads;

public abstract class LeadConversionTests(HostFixture fixture)
{
    private const string Convert = """
        mutation($id: ID!, $input: ConvertLeadInput!) {
          convertLead(id: $id, input: $input) {
            lead { id statusId status { semantics } contactId companyId dealId contact { name } company { title } deal { title } }
            contact { id name lastName post phones { value valueType } emails { value } sourceId leadId lead { id } companies { id } }
            company { id title phones { value } webs { value } address { city } leadId }
            deal { id title opportunity currencyId pipelineId stageId sourceId companyId contactId leadId lead { title } utmSource contacts { id } }
            errors { code message path }
          }
        }
        """;

    private CrmHost Host => fixture.Host;

    private async Task<string> NewLeadAsync(string marker, object? extra = null)
    {
        var input = new Dictionary<string, object?>
        {
            ["title"] = marker,
            ["name"] = "Lena",
            ["lastName"] = "Stone",
            ["post"] = "CTO",
            ["companyTitle"] = marker + " Ltd",
            ["phones"] = new[] { new { value = "+48 600-100-200", valueType = "MOBILE" } },
            ["emails"] = new[] { new { value = "lena@example.com", valueType = "WORK" } },
            ["webs"] = new[] { new { value = "stone.example.com", valueType = "WORK" } },
            ["address"] = new { city = "Gdańsk" },
            ["opportunity"] = 12000.5m,
            ["currencyId"] = "EUR",
            ["sourceId"] = "WEB",
            ["utmSource"] = "newsletter",
        };
        foreach (var (key, value) in (extra as IDictionary<string, object?>) ?? new Dictionary<string, object?>())
        {
            input[key] = value;
        }

        return await Host.CreateLeadAsync(input);
    }

    private async Task<(long Contacts, long Companies, long Deals)> CountAsync(string marker)
    {
        var response = (await Host.QueryAsync("""
            query($m: String!, $c: String!) {
              contacts(where: { name: { eq: "Lena" }, lastName: { eq: "Stone" }, post: { eq: $m } }) { totalCount }
              companies(where: { title: { eq: $c } }) { totalCount }
              deals(where: { title: { eq: $m } }) { totalCount }
            }
            """, new { m = marker, c = marker + " Ltd" })).ShouldSucceed();
        return (response.Data!["contacts"]!["totalCount"]!.GetValue<long>(), response.Data!["companies"]!["totalCount"]!.GetValue<long>(), response.Data!["deals"]!["totalCount"]!.GetValue<long>());
    }

    private static JsonNode Payload(GraphQLResponse response) => response.ShouldSucceed().Data!["convertLead"]!;

    [Fact]
    public async Task A_new_lead_gets_status_NEW_and_a_title()
    {
        var id = await Host.CreateLeadAsync(new { name = "Only", lastName = "Name" });
        var lead = (await Host.QueryAsync("query($id: ID!) { lead(id: $id) { title statusId status { name semantics } } }", new { id })).ShouldSucceed().Data!["lead"]!;
        Assert.Equal("Only Name", lead["title"]!.GetValue<string>());
        Assert.Equal("NEW", lead["statusId"]!.GetValue<string>());
        Assert.Equal("PROCESS", lead["status"]!["semantics"]!.GetValue<string>());

        var refused = (await Host.QueryAsync("mutation($id: ID!) { updateLead(id: $id, input: { statusId: \"CONVERTED\" }) { errors { code path } } }", new { id })).ShouldSucceed();
        Assert.Equal("VALIDATION", refused.Data!["updateLead"]!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Converting_into_new_contact_company_and_deal_copies_fields_and_links_both_ways()
    {
        var marker = Records.NewMarker("Conv");
        var id = await NewLeadAsync(marker, new Dictionary<string, object?> { ["post"] = marker });
        var payload = Payload(await Host.QueryAsync(Convert, new { id, input = new { createContact = true, createCompany = new { }, createDeal = new { pipelineId = "0" } } }));
        Assert.Empty(payload["errors"]!.AsArray());

        var lead = payload["lead"]!;
        Assert.Equal("CONVERTED", lead["statusId"]!.GetValue<string>());
        Assert.Equal("SUCCESS", lead["status"]!["semantics"]!.GetValue<string>());
        Assert.Equal("Lena", lead["contact"]!["name"]!.GetValue<string>());
        Assert.Equal(marker + " Ltd", lead["company"]!["title"]!.GetValue<string>());
        Assert.Equal(marker, lead["deal"]!["title"]!.GetValue<string>());

        var contact = payload["contact"]!;
        Assert.Equal("+48 600-100-200", contact["phones"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("MOBILE", contact["phones"]![0]!["valueType"]!.GetValue<string>());
        Assert.Equal("WEB", contact["sourceId"]!.GetValue<string>());
        Assert.Equal(id, contact["lead"]!["id"]!.GetValue<string>());
        Assert.Equal([payload["company"]!["id"]!.GetValue<string>()], Records.Ids(contact["companies"]));

        var company = payload["company"]!;
        Assert.Equal("stone.example.com", company["webs"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("Gdańsk", company["address"]!["city"]!.GetValue<string>());

        var deal = payload["deal"]!;
        Assert.Equal(12000.5m, deal["opportunity"]!.GetValue<decimal>());
        Assert.Equal("EUR", deal["currencyId"]!.GetValue<string>());
        Assert.Equal("NEW", deal["stageId"]!.GetValue<string>());
        Assert.Equal("newsletter", deal["utmSource"]!.GetValue<string>());
        Assert.Equal(contact["id"]!.GetValue<string>(), deal["contactId"]!.GetValue<string>());
        Assert.Equal(company["id"]!.GetValue<string>(), deal["companyId"]!.GetValue<string>());
        Assert.Equal(marker, deal["lead"]!["title"]!.GetValue<string>());

        var again = Payload(await Host.QueryAsync(Convert, new { id, input = new { createContact = true } }));
        Assert.Equal("ALREADY_CONVERTED", again["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Converting_links_existing_records_and_creates_only_what_is_asked()
    {
        var marker = Records.NewMarker("Link");
        var company = await Host.CreateCompanyAsync(new { title = "Existing " + marker });
        var contact = await Host.CreateContactAsync(new { name = "Existing" });
        var id = await NewLeadAsync(marker);
        var payload = Payload(await Host.QueryAsync(Convert, new { id, input = new { contactId = contact, companyId = company, createDeal = new { title = marker + " deal" } } }));
        Assert.Empty(payload["errors"]!.AsArray());
        Assert.Equal(contact, payload["lead"]!["contactId"]!.GetValue<string>());
        Assert.Equal(company, payload["lead"]!["companyId"]!.GetValue<string>());
        Assert.Equal([contact], Records.Ids(payload["deal"]!["contacts"]));
        Assert.Equal(company, payload["deal"]!["companyId"]!.GetValue<string>());
        Assert.Equal(marker + " deal", payload["deal"]!["title"]!.GetValue<string>());
        Assert.Equal((0, 0, 0), await CountAsync(marker)); // the lead's own person and company were not created
    }

    [Fact]
    public async Task A_failure_in_any_step_leaves_nothing_behind()
    {
        var marker = Records.NewMarker("Fail");
        var id = await NewLeadAsync(marker, new Dictionary<string, object?> { ["post"] = marker });

        var before = await DatabaseState.CaptureAsync(Host);

        // The company and contact would be fine; the deal's stage is not in its pipeline.
        var payload = Payload(await Host.QueryAsync(Convert, new { id, input = new { createContact = true, createCompany = new { }, createDeal = new { stageId = "NO_SUCH_STAGE" } } }));
        var error = payload["errors"]![0]!;
        Assert.Equal("INVALID_VALUE", error["code"]!.GetValue<string>());
        Assert.Equal(["input", "createDeal", "stageId"], error["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Null(payload["lead"]);
        await before.ShouldBeUnchangedAsync(Host, "the deal of a conversion was refused");

        // An emptied company title fails the company, and the contact with it.
        var noTitle = await Host.CreateLeadAsync(new { name = "No", lastName = "Company" });
        before = await DatabaseState.CaptureAsync(Host);
        var second = Payload(await Host.QueryAsync(Convert, new { id = noTitle, input = new { createContact = true, createCompany = new { title = (string?)null } } }));
        Assert.Equal(["input", "createCompany", "title"], second["errors"]![0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        await before.ShouldBeUnchangedAsync(Host, "the company of a conversion was refused");
    }

    /// <summary>Fails, naming the case and showing the payload, unless the conversion was refused with exactly this error.</summary>
    private static void ShouldRefuse(JsonNode payload, string code, string path, string what)
    {
        var errors = payload["errors"]!.AsArray().Select(e => $"{e!["code"]!.GetValue<string>()} at {string.Join('.', e["path"]!.AsArray().Select(p => p!.GetValue<string>()))}").ToList();
        Assert.True(errors.SequenceEqual([$"{code} at {path}"]) && payload["lead"] is null,
            $"{what}: expected only {code} at {path}, got [{string.Join(", ", errors)}]: {payload.ToJsonString()}");
    }

    [Fact]
    public async Task Junk_and_unknown_leads_are_refused()
    {
        var junk = await Host.CreateLeadAsync(new { name = "Spam", statusId = "JUNK" });
        var before = await DatabaseState.CaptureAsync(Host);
        ShouldRefuse(Payload(await Host.QueryAsync(Convert, new { id = junk, input = new { createContact = true } })), "LEAD_IS_JUNK", "id", "converting a junk lead");
        ShouldRefuse(Payload(await Host.QueryAsync(Convert, new { id = "999999", input = new { createContact = true } })), "NOT_FOUND", "id", "converting a lead that does not exist");
        await before.ShouldBeUnchangedAsync(Host, "junk and unknown leads are not converted");
    }

    [Fact]
    public async Task A_conversion_that_asks_for_nothing_or_for_both_a_new_and_an_existing_record_is_refused()
    {
        // A lead that could be converted: only the input is wrong.
        var lead = await Host.CreateLeadAsync(new { name = "Asked", companyTitle = "Asked Ltd" });
        var contact = await Host.CreateContactAsync(new { name = "Both" });
        var company = await Host.CreateCompanyAsync(new { title = "Both" });
        var before = await DatabaseState.CaptureAsync(Host);

        ShouldRefuse(Payload(await Host.QueryAsync(Convert, new { id = lead, input = new { } })), "VALIDATION", "input", "a conversion with an empty input (nothing asked)");
        ShouldRefuse(Payload(await Host.QueryAsync(Convert, new { id = lead, input = new { createContact = false, createCompany = (object?)null } })), "VALIDATION", "input", "a conversion that creates nothing (nothing asked)");
        ShouldRefuse(Payload(await Host.QueryAsync(Convert, new { id = lead, input = new { createContact = true, contactId = contact } })), "VALIDATION", "input.contactId", "a conversion into a new and an existing contact");
        ShouldRefuse(Payload(await Host.QueryAsync(Convert, new { id = lead, input = new { createCompany = new { }, companyId = company } })), "VALIDATION", "input.companyId", "a conversion into a new and an existing company");
        await before.ShouldBeUnchangedAsync(Host, "a conversion that asks for nothing, or for two of one kind, is refused");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class LeadConversionOnSqlite(SqliteHost fixture) : LeadConversionTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class LeadConversionOnPostgres(PostgresHost fixture) : LeadConversionTests(fixture), IClassFixture<PostgresHost>;
