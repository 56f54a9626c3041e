using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Leads;

/// <summary>
/// What convertLead takes for the records it creates: a company and a deal take any of their
/// type's fields, which replace what the lead gives; what the lead lacks has a fallback.
/// </summary>
public abstract class LeadConversionInputTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private const string Convert = """
        mutation($id: ID!, $input: ConvertLeadInput!) {
          convertLead(id: $id, input: $input) { company { title industry } deal { title opportunity stageId } errors { code message path } }
        }
        """;

    [Fact]
    public async Task A_lead_without_a_company_title_makes_a_company_of_its_own_title()
    {
        var marker = Records.NewMarker("Solo");
        var id = await Host.CreateLeadAsync(new { title = marker, name = "Ann" });

        var payload = (await Host.QueryAsync(Convert, new { id, input = new { createCompany = new { } } })).ShouldSucceed().Data!["convertLead"]!;

        Assert.Empty(payload["errors"]!.AsArray());
        Assert.Equal(marker, payload["company"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Fields_given_for_the_company_and_the_deal_replace_what_the_lead_gives()
    {
        var id = await Host.CreateLeadAsync(new { title = "Lead title", companyTitle = "Lead company", opportunity = 500 });

        var payload = (await Host.QueryAsync(Convert, new
        {
            id,
            input = new
            {
                createCompany = new { title = "Given company", industry = "IT" },
                createDeal = new { title = "Given deal", opportunity = 750, stageId = "PREPARATION" },
            },
        })).ShouldSucceed().Data!["convertLead"]!;

        Assert.Empty(payload["errors"]!.AsArray());
        Assert.Equal("Given company", payload["company"]!["title"]!.GetValue<string>());
        Assert.Equal("IT", payload["company"]!["industry"]!.GetValue<string>());
        Assert.Equal("Given deal", payload["deal"]!["title"]!.GetValue<string>());
        Assert.Equal(750m, payload["deal"]!["opportunity"]!.GetValue<decimal>());
        Assert.Equal("PREPARATION", payload["deal"]!["stageId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_field_refused_in_a_created_record_is_named_under_its_input()
    {
        var id = await Host.CreateLeadAsync(new { title = "Refused" });

        var payload = (await Host.QueryAsync(Convert, new { id, input = new { createCompany = new { revenue = -1 } } })).ShouldSucceed().Data!["convertLead"]!;

        var error = payload["errors"]![0]!;
        Assert.Equal("INVALID_VALUE", error["code"]!.GetValue<string>());
        Assert.Equal(["input", "createCompany", "revenue"], error["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Null(payload["company"]);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class LeadConversionInputsOnSqlite(SqliteHost fixture) : LeadConversionInputTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class LeadConversionInputsOnPostgres(PostgresHost fixture) : LeadConversionInputTests(fixture), IClassFixture<PostgresHost>;
