using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Duplicates;

/// <summary>
/// <c>findDuplicates</c> by each rule, only among readable records, its bounds and its cost; the
/// keys following every write; warnings and refusals on writes, also under concurrent writers.
/// Every test works on keys of its own (a marker), and starts its page at the marker.
/// </summary>
public abstract class DuplicateFindingTests(DuplicatesHost fixture)
{
    private const string Find = """
        query($t: CrmEntityType!, $r: DuplicateRule!, $after: String, $first: Int, $per: Int) {
          findDuplicates(entityType: $t, rule: $r, first: $first, after: $after, recordsPerGroup: $per) {
            hasNextPage endCursor groups { key count ids records { ... on Contact { id name } ... on Deal { id title } } } } }
        """;

    private const string CreateContact = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { code message path } duplicates { rule message ids } } }";

    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task Contacts_with_one_email_however_written_are_a_group_and_the_keys_follow_updates_and_deletes()
    {
        var marker = Records.NewMarker("dup").ToLowerInvariant();
        var ann = await Host.CreateContactAsync(new { name = "Ann", emails = new[] { new { value = $"{marker}@example.com", valueType = "WORK" } } });
        var anna = await Host.CreateContactAsync(new { name = "Anna", emails = new[] { new { value = $"  {marker.ToUpperInvariant()}@Example.COM ", valueType = "HOME" } } });
        var other = await Host.CreateContactAsync(new { name = "Other", emails = new[] { new { value = $"{marker}.other@example.com", valueType = "WORK" } } });

        var groups = await GroupsAsync("CONTACT", "EMAIL", marker);
        var group = Assert.Single(groups);
        Assert.Equal($"{marker}@example.com", group["key"]!.GetValue<string>());
        Assert.Equal(2, group["count"]!.GetValue<int>());
        Assert.Equal([ann, anna], Records.Ids(group["records"]));

        // The third gets the address: three in the group; then the first changes hers and the second goes.
        (await Host.MutateAsync("updateContact", "mutation($id: ID!, $e: String!) { updateContact(id: $id, input: { emails: [{ value: $e }] }) { errors { code } duplicates { rule ids } } }",
            new { id = other, e = $"{marker}@EXAMPLE.com" })).Ok();
        Assert.Equal(3, Assert.Single(await GroupsAsync("CONTACT", "EMAIL", marker))["count"]!.GetValue<int>());
        (await Host.MutateAsync("updateContact", "mutation($id: ID!, $e: String!) { updateContact(id: $id, input: { emails: [{ value: $e }] }) { errors { code } } }",
            new { id = ann, e = $"{marker}.ann@example.com" })).Ok();
        (await Host.MutateAsync("deleteContact", "mutation($id: ID!) { deleteContact(id: $id) { errors { code } } }", new { id = anna })).Ok();
        Assert.Empty(await GroupsAsync("CONTACT", "EMAIL", marker));
    }

    [Fact]
    public async Task Phones_match_on_their_last_nine_digits_and_names_within_one_company()
    {
        var digits = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var national = await Host.CreateContactAsync(new { name = "Local", phones = new[] { new { value = $"{digits[..3]} {digits[3..6]} {digits[6..]}", valueType = "WORK" } } });
        var international = await Host.CreateContactAsync(new { name = "Abroad", phones = new[] { new { value = $"+48 ({digits[..3]}) {digits[3..6]}-{digits[6..]}", valueType = "MOBILE" } } });
        // The key is the nine digits themselves: the page starts just before them.
        var phones = Assert.Single(await GroupsAsync("CONTACT", "PHONE", digits[..8]), g => g["key"]!.GetValue<string>() == digits);
        Assert.Equal([national, international], Records.Ids(phones["records"]));

        var company = await Host.CreateCompanyAsync(new { title = "Acme " + digits });
        var elsewhere = await Host.CreateCompanyAsync(new { title = "Elsewhere " + digits });
        var lee = await Host.CreateContactAsync(new { name = "Ann", lastName = "Lee", companyIds = new[] { company } });
        var leeAgain = await Host.CreateContactAsync(new { name = "ANN", lastName = " lée ", companyIds = new[] { elsewhere, company } });
        await Host.CreateContactAsync(new { name = "Ann", lastName = "Lee", companyIds = new[] { elsewhere } });
        var names = Assert.Single(await GroupsAsync("CONTACT", "NAME_IN_COMPANY", company + ":"));
        Assert.Equal([lee, leeAgain], Records.Ids(names["records"]));
        Assert.Equal(2, (await GroupsAsync("CONTACT", "NAME_IN_COMPANY", elsewhere + ":")).Single()["count"]!.GetValue<int>());

        // Deals by their company reference; a company has no company to match a name in.
        var deal = await Host.CreateDealAsync(new { title = "Renewal", companyId = company });
        var dealAgain = await Host.CreateDealAsync(new { title = "renewal", companyId = company });
        Assert.Equal([deal, dealAgain], Records.Ids(Assert.Single(await GroupsAsync("DEAL", "NAME_IN_COMPANY", company + ":"))["records"]));
        var refused = await Host.QueryAsync(Find, new { t = "COMPANY", r = "NAME_IN_COMPANY" });
        Assert.Equal(["VALIDATION"], refused.ErrorCodes);
    }

    [Fact]
    public async Task A_reader_finds_groups_only_among_the_records_they_may_read()
    {
        var marker = Records.NewMarker("dupread").ToLowerInvariant();
        var (readerId, _, readerKey) = await Host.NewUserWithKeyAsync("dup-reader");
        var role = await Host.CreateRoleAsync("Own contacts " + marker, [new { entityType = "CONTACT", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: readerId)).Ok();
        var email = new[] { new { value = $"{marker}@example.com", valueType = "WORK" } };
        var mine = await Host.CreateContactAsync(new { name = "Mine", assignedById = readerId, emails = email });
        var mineToo = await Host.CreateContactAsync(new { name = "Mine too", assignedById = readerId, emails = email });
        await Host.CreateContactAsync(new { name = "Not mine", emails = email });
        var alone = new[] { new { value = $"{marker}.alone@example.com", valueType = "WORK" } };
        await Host.CreateContactAsync(new { name = "Mine alone", assignedById = readerId, emails = alone });
        await Host.CreateContactAsync(new { name = "Not mine either", emails = alone });

        var theirs = await GroupsAsync("CONTACT", "EMAIL", marker, readerKey);
        var group = Assert.Single(theirs);
        Assert.Equal(2, group["count"]!.GetValue<int>());
        Assert.Equal([mine, mineToo], Records.Ids(group["records"]));
        Assert.Equal(3, Assert.Single(await GroupsAsync("CONTACT", "EMAIL", marker + "@"))["count"]!.GetValue<int>());

        // No right to read deals at all: refused, as the deals' list would be.
        Assert.Equal(["FORBIDDEN"], (await Host.QueryAsync(Find, new { t = "DEAL", r = "NAME_IN_COMPANY" }, readerKey)).ErrorCodes);
    }

    [Fact]
    public async Task A_rename_that_changes_a_records_keys_replaces_them_in_one_statement_on_postgresql_and_a_new_records_companies_cost_none()
    {
        var marker = Records.NewMarker("dupkeys").ToLowerInvariant();
        var company = await Host.CreateCompanyAsync(new { title = "Keys " + marker });
        var deal = await Host.CreateDealAsync(new { title = "Keys " + marker, companyId = company });
        const string Update = "mutation($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { errors { code } } }";
        var comment = await Host.QueryAsync(Update, new { id = deal, input = new { comments = "keys kept" } });
        var rename = await Host.QueryAsync(Update, new { id = deal, input = new { title = "Renamed " + marker } });
        Assert.Empty(comment.ShouldSucceed().Data!["updateDeal"]!["errors"]!.AsArray());
        Assert.Empty(rename.ShouldSucceed().Data!["updateDeal"]!["errors"]!.AsArray());
        // The rename's keys replaced and the new one looked up among the others: on PostgreSQL one statement for the
        // replacement, on SQLite a read, a delete and an insert; then the duplicate check's one.
        Assert.Equal(Host.Engine == Engine.Postgres ? 2 : 4, rename.Statements - comment.Statements);
        var keys = await Host.QueryRowsAsync($"SELECT key FROM {Host.Table("duplicates", "record_keys")} WHERE entity_type = 'deal' AND record_id = {deal}");
        Assert.Equal($"{company}:renamed {marker}", Assert.Single(keys)["key"]);

        // A new contact's companies are those its save wrote: read from the save, not the table.
        const string Create = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { code } } }";
        var linked = await Host.QueryAsync(Create, new { input = new { name = "Keys", lastName = marker, companyIds = new[] { company } } });
        var linkedId = linked.ShouldSucceed().Data!["createContact"]!["contact"]!["id"]!.GetValue<string>();
        var contactKeys = await Host.QueryRowsAsync($"SELECT key FROM {Host.Table("duplicates", "record_keys")} WHERE entity_type = 'contact' AND record_id = {linkedId}");
        Assert.Equal($"{company}:keys {marker}", Assert.Single(contactKeys)["key"]);

        // One without companies: its keys need none, and nothing reads the link table for them.
        IReadOnlyList<CapturedCommand> sent;
        using (var capture = SqlCapture.Start(Host))
        {
            (await Host.QueryAsync(Create, new { input = new { name = "Keys alone", lastName = marker } })).ShouldSucceed();
            sent = capture.Commands;
        }

        Assert.Contains(sent, c => c.Text.Contains("outbox", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, c => c.Text.Contains("contact_companies", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_page_costs_the_same_statements_whatever_its_groups_and_pages_by_key()
    {
        var marker = Records.NewMarker("duppage").ToLowerInvariant();
        for (var i = 0; i < 5; i++)
        {
            var email = new[] { new { value = $"{marker}{i}@example.com", valueType = "WORK" } };
            await Host.CreateContactAsync(new { name = "A" + i, emails = email });
            await Host.CreateContactAsync(new { name = "B" + i, emails = email });
        }

        var two = await Host.QueryAsync(Find, new { t = "CONTACT", r = "EMAIL", after = Cursor(marker), first = 2 });
        var five = await Host.QueryAsync(Find, new { t = "CONTACT", r = "EMAIL", after = Cursor(marker), first = 5 });
        Assert.Equal(2, two.ShouldSucceed().Data!["findDuplicates"]!["groups"]!.AsArray().Count);
        Assert.Equal(5, five.ShouldSucceed().Data!["findDuplicates"]!["groups"]!.AsArray().Count(g => g!["key"]!.GetValue<string>().StartsWith(marker, StringComparison.Ordinal)));
        Assert.Equal(two.Statements, five.Statements);
        Assert.True(five.Statements <= 4, $"findDuplicates with records took {five.Statements} statements");

        // The next page starts after the last key of this one.
        var page = two.Data!["findDuplicates"]!;
        Assert.True(page["hasNextPage"]!.GetValue<bool>());
        var next = (await Host.QueryAsync(Find, new { t = "CONTACT", r = "EMAIL", after = page["endCursor"]!.GetValue<string>(), first = 1 })).ShouldSucceed();
        Assert.Equal($"{marker}2@example.com", next.Data!["findDuplicates"]!["groups"]![0]!["key"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pages_and_groups_are_bounded_and_ten_times_the_bound_is_refused_before_anything_runs()
    {
        Assert.Equal(["LIMIT_EXCEEDED"], (await Host.QueryAsync(Find, new { t = "CONTACT", r = "EMAIL", first = 1000 })).ErrorCodes);
        Assert.Equal(["LIMIT_EXCEEDED"], (await Host.QueryAsync(Find, new { t = "CONTACT", r = "EMAIL", per = 500 })).ErrorCodes);
        Assert.Equal(["VALIDATION"], (await Host.QueryAsync(Find, new { t = "CONTACT", r = "EMAIL", first = 0 })).ErrorCodes);
        Assert.Equal(["INVALID_CURSOR"], (await Host.QueryAsync(Find, new { t = "CONTACT", r = "EMAIL", after = "%%%" })).ErrorCodes);

        // A group lists at most recordsPerGroup records and counts them all.
        var marker = Records.NewMarker("dupbig").ToLowerInvariant();
        var email = new[] { new { value = $"{marker}@example.com", valueType = "WORK" } };
        for (var i = 0; i < 4; i++)
        {
            await Host.CreateContactAsync(new { name = "Same " + i, emails = email });
        }

        var group = (await Host.QueryAsync(Find, new { t = "CONTACT", r = "EMAIL", after = Cursor(marker), first = 1, per = 3 })).ShouldSucceed().Data!["findDuplicates"]!["groups"]![0]!;
        Assert.Equal(4, group["count"]!.GetValue<int>());
        Assert.Equal(3, group["ids"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_create_warns_of_the_records_it_looks_like_and_an_update_only_of_keys_it_gains()
    {
        var marker = Records.NewMarker("dupwarn").ToLowerInvariant();
        var first = await Host.CreateContactAsync(new { name = "First", emails = new[] { new { value = $"{marker}@example.com", valueType = "WORK" } } });
        var created = (await Host.MutateAsync("createContact", CreateContact, new { input = new { name = "Second", emails = new[] { new { value = $"{marker}@Example.com", valueType = "HOME" } } } })).Ok();
        var warning = Assert.Single(created["duplicates"]!.AsArray())!;
        Assert.Equal("EMAIL", warning["rule"]!.GetValue<string>());
        Assert.Equal([first], warning["ids"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Contains(first, warning["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var second = created["contact"]!["id"]!.GetValue<string>();

        // Changing something else warns of nothing: the key was the record's already.
        var renamed = (await Host.MutateAsync("updateContact", "mutation($id: ID!) { updateContact(id: $id, input: { name: \"Second again\" }) { errors { code } duplicates { ids } } }", new { id = second })).Ok();
        Assert.Empty(renamed["duplicates"]!.AsArray());

        // Leads are refused (Duplicates:Types:lead=Refuse): nothing written. Companies are not checked (Off).
        var lead = await Host.CreateLeadAsync(new { title = "Lead", emails = new[] { new { value = $"{marker}.lead@example.com", valueType = "WORK" } } });
        var twin = await Host.MutateAsync("createLead", "mutation($e: String!) { createLead(input: { title: \"Twin\", emails: [{ value: $e }] }) { lead { id } errors { code message } duplicates { ids } } }",
            new { e = $"{marker}.LEAD@example.com" });
        Assert.Equal("DUPLICATE", twin.ErrorCode());
        Assert.Contains(lead, twin["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var leads = (await Host.QueryAsync("query($t: String!) { leads(where: { title: { eq: $t } }) { totalCount } }", new { t = "Twin" })).ShouldSucceed();
        Assert.Equal(0, leads.Data!["leads"]!["totalCount"]!.GetValue<int>());
        await Host.CreateCompanyAsync(new { title = "C", emails = new[] { new { value = $"{marker}.c@example.com", valueType = "WORK" } } });
        var company = await Host.MutateAsync("createCompany", "mutation($e: String!) { createCompany(input: { title: \"C2\", emails: [{ value: $e }] }) { errors { code } duplicates { ids } } }", new { e = $"{marker}.c@example.com" });
        Assert.Empty(company.Ok()["duplicates"]!.AsArray());
    }

    [Fact]
    public async Task Twenty_parallel_creates_of_one_refused_key_let_exactly_one_through()
    {
        var marker = Records.NewMarker("duprace").ToLowerInvariant();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Host.MutateAsync("createLead",
            "mutation($t: String!, $e: String!) { createLead(input: { title: $t, emails: [{ value: $e }] }) { lead { id } errors { code message } } }",
            new { t = marker + i, e = $"{marker}@example.com" })));
        Assert.Equal(1, results.Count(r => r["errors"]!.AsArray().Count == 0));
        Assert.All(results.Where(r => r["errors"]!.AsArray().Count > 0), r => Assert.Contains(r.ErrorCode(), new[] { "DUPLICATE", "CONFLICT" }));
        var group = await Host.QueryAsync("query($t: String!) { leads(where: { title: { startsWith: $t } }) { totalCount } }", new { t = marker });
        Assert.Equal(1, group.ShouldSucceed().Data!["leads"]!["totalCount"]!.GetValue<int>());
    }

    private async Task<List<JsonNode>> GroupsAsync(string type, string rule, string marker, string apiKey = CrmHost.AdminKey)
    {
        var response = (await Host.QueryAsync(Find, new { t = type, r = rule, after = Cursor(marker), first = 10 }, apiKey)).ShouldSucceed();
        return response.Data!["findDuplicates"]!["groups"]!.AsArray().Select(g => g!).Where(g => g["key"]!.GetValue<string>().StartsWith(marker, StringComparison.Ordinal)).ToList();
    }

    /// <summary>A cursor just before every key that starts with <paramref name="prefix"/>.</summary>
    private static string Cursor(string prefix) => Convert.ToBase64String(Encoding.UTF8.GetBytes(prefix));
}

[Trait("Engine", "Sqlite")]
public sealed class DuplicateFindingOnSqlite(DuplicatesSqliteHost fixture) : DuplicateFindingTests(fixture), IClassFixture<DuplicatesSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DuplicateFindingOnPostgres(DuplicatesPostgresHost fixture) : DuplicateFindingTests(fixture), IClassFixture<DuplicatesPostgresHost>;
