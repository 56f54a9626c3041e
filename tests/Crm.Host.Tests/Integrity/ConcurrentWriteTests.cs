using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.GraphQL;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Integrity;

/// <summary>
/// Many clients writing one record at once, through the real host; the database is read
/// afterwards, straight. Each read-modify-write must come out as if the writes had run one after
/// the other: one conversion of a lead, every custom field value kept, the search text of the
/// row as committed, and no write answered with an internal error.
/// </summary>
public abstract class ConcurrentWriteTests(HostFixture fixture)
{
    private const int Clients = 20;

    private CrmHost Host => fixture.Host;

    private const string Convert = """
        mutation($id: ID!, $input: ConvertLeadInput!) {
          convertLead(id: $id, input: $input) { lead { id statusId } errors { code message path } }
        }
        """;

    /// <summary>Runs <paramref name="count"/> calls at once (each on its own connection) and returns their answers.</summary>
    private static async Task<GraphQLResponse[]> AtOnceAsync(int count, Func<int, Task<GraphQLResponse>> call)
    {
        using var start = new SemaphoreSlim(0, count);
        var calls = Enumerable.Range(0, count).Select(async i =>
        {
            await start.WaitAsync();
            return await call(i);
        }).ToList();
        start.Release(count);
        return await Task.WhenAll(calls);
    }

    private async Task<long> CountAsync(string sql, params object[] parameters) =>
        System.Convert.ToInt64((await Host.QueryRowsAsync(sql, parameters)).Single().Values.Single(), CultureInfo.InvariantCulture);

    [Fact]
    public async Task Concurrent_conversions_of_one_lead_convert_it_exactly_once()
    {
        for (var trial = 0; trial < 3; trial++)
        {
            var marker = Records.NewMarker("Conv");
            var id = await Host.CreateLeadAsync(new { title = marker, name = marker, companyTitle = marker });

            var answers = await AtOnceAsync(10, _ => Host.QueryAsync(Convert, new { id, input = new { createContact = true, createCompany = new { }, createDeal = new { } } }));

            Assert.All(answers, a => a.ShouldSucceed());
            var codes = answers.Select(a => a.Data!["convertLead"]!["errors"]!.AsArray().Select(e => e!["code"]!.GetValue<string>()).FirstOrDefault()).ToList();
            Assert.Equal(1, codes.Count(c => c is null));
            Assert.All(codes.Where(c => c is not null), c => Assert.Equal("ALREADY_CONVERTED", c));
            Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("contacts", "contacts")} WHERE name = @p0", marker));
            Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("companies", "companies")} WHERE title = @p0", marker));
            Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("deals", "deals")} WHERE title = @p0", marker));
            Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("leads", "outbox")} WHERE entity_id = @p0 AND kind = 'lead.converted'", long.Parse(id, CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public async Task Concurrent_updates_of_different_custom_fields_keep_every_value()
    {
        var codes = new List<string>();
        for (var i = 0; i < Clients; i++)
        {
            var code = CustomFieldHelpers.NewCode($"PAR{i}");
            await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "STRING", label = $"Parallel {i}" });
            codes.Add(code);
        }

        for (var trial = 0; trial < 3; trial++)
        {
            var marker = Records.NewMarker("Cf");
            var id = await Host.CreateDealAsync(new { title = marker });

            var answers = await AtOnceAsync(Clients, i => Host.QueryAsync(
                $"mutation($id: ID!) {{ updateDeal(id: $id, input: {{ {CustomFieldHelpers.FieldName(codes[i])}: \"v{i}\" }}) {{ errors {{ code message }} }} }}", new { id }));

            Assert.All(answers, a => Assert.Empty(a.ShouldSucceed().Data!["updateDeal"]!["errors"]!.AsArray()));
            var stored = (await Host.QueryRowsAsync($"SELECT custom_fields FROM {Host.Table("deals", "deals")} WHERE id = @p0", long.Parse(id, CultureInfo.InvariantCulture))).Single()["custom_fields"];
            var document = JsonNode.Parse(stored!.ToString()!)!.AsObject();
            var missing = codes.Where((code, i) => document[code]?.GetValue<string>() != $"v{i}").ToList();
            Assert.True(missing.Count == 0, $"Trial {trial}: lost {missing.Count} of {Clients} values ({string.Join(", ", missing)}); stored {document.ToJsonString()}");
        }
    }

    [Fact]
    public async Task The_search_text_is_that_of_the_row_as_committed()
    {
        var code = CustomFieldHelpers.NewCode("SRCH");
        await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "STRING", label = "Searched" });
        var field = CustomFieldHelpers.FieldName(code);
        var marker = Records.NewMarker("Srch").ToLowerInvariant();
        var id = await Host.CreateDealAsync(new { title = marker + "start" });

        // Half the clients rename the deal, half change the custom text; each write rebuilds the search text.
        var answers = await AtOnceAsync(Clients, i => i % 2 == 0
            ? Host.QueryAsync("mutation($id: ID!, $title: String!) { updateDeal(id: $id, input: { title: $title }) { errors { code } } }", new { id, title = $"{marker}title{i}" })
            : Host.QueryAsync($"mutation($id: ID!, $v: String!) {{ updateDeal(id: $id, input: {{ {field}: $v }}) {{ errors {{ code }} }} }}", new { id, v = $"{marker}text{i}" }));
        Assert.All(answers, a => Assert.Empty(a.ShouldSucceed().Data!["updateDeal"]!["errors"]!.AsArray()));

        var row = (await Host.QueryRowsAsync($"SELECT title, custom_fields, search_content FROM {Host.Table("deals", "deals")} WHERE id = @p0", long.Parse(id, CultureInfo.InvariantCulture))).Single();
        var title = (string)row["title"]!;
        var text = JsonNode.Parse(row["custom_fields"]!.ToString()!)![code]!.GetValue<string>();
        var content = (string)row["search_content"]!;
        Assert.Contains(title, content, StringComparison.Ordinal);
        Assert.Contains(text, content, StringComparison.Ordinal);
        foreach (var term in new[] { title, text })
        {
            var found = (await Host.QueryAsync("query($s: String!) { deals(search: $s) { nodes { id } } }", new { s = term })).ShouldSucceed();
            Assert.Equal([id], Records.Ids(found.Data!["deals"]!["nodes"]));
        }
    }

    [Fact]
    public async Task Updates_racing_a_delete_are_applied_before_it_or_not_found_after_it()
    {
        for (var trial = 0; trial < 3; trial++)
        {
            var id = await Host.CreateContactAsync(new { name = Records.NewMarker("Race") });

            var answers = await AtOnceAsync(Clients, i => i == Clients / 2
                ? Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code } } }", new { id })
                : Host.QueryAsync("mutation($id: ID!) { updateContact(id: $id, input: { post: \"x\" }) { contact { id } errors { code } } }", new { id }));

            Assert.All(answers, a => a.ShouldSucceed());
            Assert.Equal(id, answers[Clients / 2].Data!["deleteContact"]!["deletedId"]!.GetValue<string>());
            var updateCodes = answers.Where((_, i) => i != Clients / 2)
                .Select(a => a.Data!["updateContact"]!["errors"]!.AsArray().Select(e => e!["code"]!.GetValue<string>()).FirstOrDefault())
                .ToList();
            Assert.All(updateCodes, c => Assert.True(c is null or "NOT_FOUND", $"An update racing the delete answered {c}."));
            Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("contacts", "contacts")} WHERE id = @p0", long.Parse(id, CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public async Task Links_written_while_their_target_is_deleted_never_outlive_it()
    {
        for (var trial = 0; trial < 3; trial++)
        {
            var company = await Host.CreateCompanyAsync(new { title = Records.NewMarker("Target") });
            var marker = Records.NewMarker("Linker");

            var answers = await AtOnceAsync(Clients, i => i == Clients / 2
                ? Host.QueryAsync("mutation($id: ID!) { deleteCompany(id: $id) { deletedId errors { code } } }", new { id = company })
                : i % 2 == 0
                    ? Host.QueryAsync("mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { code } } }", new { input = new { name = marker, companyIds = new[] { company } } })
                    : Host.QueryAsync("mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { id } errors { code } } }", new { input = new { title = marker, companyId = company } }));

            Assert.All(answers, a => a.ShouldSucceed());
            Assert.Equal(company, answers[Clients / 2].Data!["deleteCompany"]!["deletedId"]!.GetValue<string>());
            var companyId = long.Parse(company, CultureInfo.InvariantCulture);
            Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("contacts", "contact_companies")} WHERE company_id = @p0", companyId));
            Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("deals", "deals")} WHERE company_id = @p0", companyId));
            // A write that lost the race was refused as a whole: it named a company that no longer exists.
            foreach (var answer in answers.Where((_, i) => i != Clients / 2))
            {
                var payload = answer.Data!.AsObject().Single().Value!;
                var codes = payload["errors"]!.AsArray().Select(e => e!["code"]!.GetValue<string>()).ToList();
                Assert.True(codes.Count == 0 || codes.SequenceEqual(["NOT_FOUND"]), $"A link racing the delete answered {payload.ToJsonString()}.");
            }
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ConcurrentWritesOnSqlite(SqliteHost fixture) : ConcurrentWriteTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ConcurrentWritesOnPostgres(PostgresHost fixture) : ConcurrentWriteTests(fixture), IClassFixture<PostgresHost>;
