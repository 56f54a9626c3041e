using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.GraphQL;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Integrity;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;
using static Crm.Host.Tests.Activities.ActivityTests;

namespace Crm.Host.Tests.Activities;

/// <summary>
/// An activity's communications: the phone numbers and e-mail addresses it used, in order, each
/// with the record it belongs to when known. Checked as contacts' contact points are, naming a
/// record needs READ on it, replaced whole under concurrency, cleared of their record when it is
/// deleted (the value stays), and read with their records in one statement per level.
/// </summary>
public abstract class ActivityCommunicationTests(QuotePluginHost fixture)
{
    private const string Communications = "communications { type value entityType entityId record { __typename ... on Contact { name } ... on Company { title } } }";
    private const string Fields = "id subject " + Communications;

    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task Communications_are_created_in_order_with_their_records_kept_when_not_given_and_replaced_when_given()
    {
        var contactId = await Host.CreateContactAsync(new { name = "Ann", emails = new[] { new { value = "ann@example.com", valueType = "WORK" } } });
        var companyId = await Host.CreateCompanyAsync(new { title = "Acme", phones = new[] { new { value = "+48 600 100 200", valueType = "WORK" } } });
        var dealId = await Host.CreateDealAsync(new { title = "Talks" });

        var created = (await CreateAsync(new
        {
            typeId = "EMAIL", subject = "Offer", bindings = new[] { Bind("DEAL", dealId) },
            communications = new object[]
            {
                Communication("EMAIL", "  ann@example.com ", "CONTACT", contactId),
                Communication("PHONE", "+48 600 100 200", "COMPANY", companyId),
                new { type = "EMAIL", value = "someone@example.org" },
            },
        })).Ok()["activity"]!;
        var id = created["id"]!.GetValue<string>();
        Assert.Equal(
            [$"EMAIL|ann@example.com|CONTACT|{contactId}|Ann", $"PHONE|+48 600 100 200|COMPANY|{companyId}|Acme", "EMAIL|someone@example.org|||"],
            Described(created));

        // Not given: unchanged.
        var renamed = (await UpdateAsync(id, new { subject = "Offer sent" })).Ok()["activity"]!;
        Assert.Equal(3, renamed["communications"]!.AsArray().Count);

        // Given: replaces the list, and the activity's history tells the change.
        var replaced = (await UpdateAsync(id, new { communications = new[] { Communication("PHONE", "+1 (555) 010-0999", "CONTACT", contactId) } })).Ok()["activity"]!;
        Assert.Equal([$"PHONE|+1 (555) 010-0999|CONTACT|{contactId}|Ann"], Described(replaced));
        var rows = await RowsAsync(id);
        Assert.Equal(["0|PHONE|+1 (555) 010-0999|contact|" + contactId], rows);
        Assert.Contains(await PayloadsAsync(id), p => p.Contains("communications", StringComparison.Ordinal) && p.Contains("someone@example.org", StringComparison.Ordinal));

        var emptied = (await UpdateAsync(id, new { communications = Array.Empty<object>() })).Ok()["activity"]!;
        Assert.Empty(emptied["communications"]!.AsArray());
        Assert.Empty(await RowsAsync(id));
    }

    [Fact]
    public async Task A_malformed_value_an_unknown_type_a_record_without_such_contact_points_or_not_there_and_ten_times_the_limit_are_refused()
    {
        var dealId = await Host.CreateDealAsync(new { title = "Refusals" });
        async Task<JsonNode> TryAsync(params object[] communications) =>
            await CreateAsync(new { typeId = "CALL", subject = "x", bindings = new[] { Bind("DEAL", dealId) }, communications });

        var badEmail = await TryAsync(new { type = "EMAIL", value = "not an address" });
        Assert.Equal("INVALID_FORMAT", badEmail.ErrorCode());
        Assert.Equal("input.communications.0.value", badEmail.ErrorPath());

        var badPhone = await TryAsync(new { type = "PHONE", value = "+1 555 0100" }, new { type = "PHONE", value = "call me" });
        Assert.Equal("input.communications.1.value", badPhone.ErrorPath());

        var unknown = await TryAsync(new { type = "FAX", value = "+1 555 0100" });
        Assert.Equal("INVALID_VALUE", unknown.ErrorCode());
        Assert.Equal("input.communications.0.type", unknown.ErrorPath());

        var onDeal = await TryAsync(Communication("PHONE", "+1 555 0100", "DEAL", dealId));
        Assert.Equal("INVALID_VALUE", onDeal.ErrorCode());
        Assert.Equal("input.communications.0.entityType", onDeal.ErrorPath());

        var halfRecord = await TryAsync(new { type = "PHONE", value = "+1 555 0100", entityType = "CONTACT" });
        Assert.Equal("REQUIRED", halfRecord.ErrorCode());
        Assert.Equal("input.communications.0.entityId", halfRecord.ErrorPath());

        var missing = await TryAsync(Communication("EMAIL", "ghost@example.com", "CONTACT", "999999999"));
        Assert.Equal("NOT_FOUND", missing.ErrorCode());
        Assert.Equal("input.communications.0", missing.ErrorPath());

        var tooMany = await TryAsync(Enumerable.Range(0, 200).Select(i => (object)new { type = "PHONE", value = $"+1 555 {i:D4}" }).ToArray());
        Assert.Equal("LIMIT_EXCEEDED", tooMany.ErrorCode());
        Assert.Equal("input.communications", tooMany.ErrorPath());

        var tooLong = await TryAsync(new { type = "EMAIL", value = new string('a', 2_500) + "@example.com" });
        Assert.Equal("TOO_LONG", tooLong.ErrorCode());
        Assert.Equal("input.communications.0.value", tooLong.ErrorPath());

        Assert.Empty(await Host.QueryRowsAsync($"SELECT activity_id FROM {Host.Table("activities", "activity_communications")} WHERE value IN ('ghost@example.com', 'call me', 'not an address')"));
    }

    [Fact]
    public async Task Naming_a_record_needs_READ_on_it_and_a_record_the_reader_may_not_read_shows_as_null()
    {
        var (readerId, _, readerKey) = await Host.NewUserWithKeyAsync("communication-reader");
        var role = await Host.CreateRoleAsync("Own contacts reader", [new { entityType = "CONTACT", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: readerId)).Ok();
        var own = await Host.CreateContactAsync(new { name = "Readable", assignedById = readerId });
        var hidden = await Host.CreateContactAsync(new { name = "Hidden" });

        var refused = await CreateAsync(new
        {
            typeId = "CALL", subject = "x", bindings = new[] { Bind("CONTACT", own) },
            communications = new[] { Communication("PHONE", "+1 555 0100", "CONTACT", own), Communication("PHONE", "+1 555 0101", "CONTACT", hidden) },
        }, readerKey);
        Assert.Equal("FORBIDDEN", refused.ErrorCode());
        Assert.Equal("input.communications.1", refused.ErrorPath());

        // The administrator names both on an activity the reader is responsible for: the reader sees the hidden one's reference, not its data.
        var id = (await CreateAsync(new
        {
            typeId = "CALL", subject = "Both", responsibleId = readerId, bindings = new[] { Bind("CONTACT", own) },
            communications = new[] { Communication("PHONE", "+1 555 0100", "CONTACT", own), Communication("PHONE", "+1 555 0101", "CONTACT", hidden) },
        })).Ok()["activity"]!["id"]!.GetValue<string>();
        var read = (await Host.QueryAsync($"query($id: ID!) {{ activity(id: $id) {{ {Fields} }} }}", new { id }, readerKey)).ShouldSucceed();
        Assert.Equal([$"PHONE|+1 555 0100|CONTACT|{own}|Readable", $"PHONE|+1 555 0101|CONTACT|{hidden}|"], Described(read.Data!["activity"]!));
    }

    [Fact]
    public async Task Deleting_a_named_record_keeps_the_value_and_clears_the_record_in_the_same_transaction()
    {
        var dealId = await Host.CreateDealAsync(new { title = "Kept" });
        var gone = await Host.CreateContactAsync(new { name = "Gone" });
        var kept = await Host.CreateCompanyAsync(new { title = "Kept Ltd" });
        var id = (await CreateAsync(new
        {
            typeId = "CALL", subject = "Called", bindings = new[] { Bind("DEAL", dealId) },
            communications = new[] { Communication("PHONE", "+1 555 0100", "CONTACT", gone), Communication("PHONE", "+1 555 0200", "COMPANY", kept) },
        })).Ok()["activity"]!["id"]!.GetValue<string>();

        (await Host.MutateAsync("deleteContact", "mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code message } } }", new { id = gone })).Ok();

        Assert.Equal(["0|PHONE|+1 555 0100||", "1|PHONE|+1 555 0200|company|" + kept], await RowsAsync(id));
        var read = (await Host.QueryAsync($"query($id: ID!) {{ activity(id: $id) {{ {Fields} }} }}", new { id })).ShouldSucceed();
        Assert.Equal(["PHONE|+1 555 0100|||", $"PHONE|+1 555 0200|COMPANY|{kept}|Kept Ltd"], Described(read.Data!["activity"]!));
        Assert.Contains(await PayloadsAsync(id), p => p.Contains("communications", StringComparison.Ordinal) && p.Contains(gone, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Twenty_parallel_replacements_of_the_communications_of_one_activity_leave_exactly_one_writers_list()
    {
        var dealId = await Host.CreateDealAsync(new { title = "Contested" });
        var contactId = await Host.CreateContactAsync(new { name = "Shared" });
        var id = (await CreateAsync(new { typeId = "TODO", subject = "Contested", bindings = new[] { Bind("DEAL", dealId) } })).Ok()["activity"]!["id"]!.GetValue<string>();

        // Lists of one to four items, so that writers add rows to and remove rows from each other's lists.
        List<string> ListOf(int writer) => Enumerable.Range(0, (writer % 4) + 1).Select(i => $"w{writer}i{i}@example.com").ToList();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(w => Task.Run(() =>
            UpdateAsync(id, new { communications = ListOf(w).Select(v => Communication("EMAIL", v, "CONTACT", contactId)).ToArray() }))));

        Assert.All(answers, a => a.Ok());
        var stored = await RowsAsync(id);
        var writer = Enumerable.Range(0, 20).Single(w => ListOf(w).Select((v, i) => $"{i}|EMAIL|{v}|contact|{contactId}").SequenceEqual(stored));
        Assert.Contains(answers, a => Described(a["activity"]!).SequenceEqual(ListOf(writer).Select(v => $"EMAIL|{v}|CONTACT|{contactId}|Shared")));
    }

    [Fact]
    public async Task A_page_of_activities_reads_their_communications_and_records_in_the_same_statements_whatever_its_size()
    {
        var marker = Records.NewMarker("Talked");
        var dealId = await Host.CreateDealAsync(new { title = marker });
        var contacts = new List<string>();
        var companies = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            contacts.Add(await Host.CreateContactAsync(new { name = $"Contact {i}" }));
            companies.Add(await Host.CreateCompanyAsync(new { title = $"Company {i}" }));
        }

        for (var i = 0; i < 50; i++)
        {
            (await CreateAsync(new
            {
                typeId = "CALL", subject = $"{marker} {i}", bindings = new[] { Bind("DEAL", dealId) },
                communications = new[] { Communication("PHONE", $"+1 555 {i:D4}", "CONTACT", contacts[i % 3]), Communication("EMAIL", $"a{i}@example.com", "COMPANY", companies[i % 3]) },
            })).Ok();
        }

        async Task<GraphQLResponse> PageAsync(int first) => (await Host.QueryAsync(
            $"query($s: String!, $n: Int!) {{ activities(search: $s, first: $n) {{ nodes {{ id {Communications} }} }} }}", new { s = marker, n = first })).ShouldSucceed();

        var small = await PageAsync(5);
        var large = await PageAsync(50);
        Assert.Equal(small.Statements, large.Statements);
        var nodes = large.Data!["activities"]!["nodes"]!.AsArray();
        Assert.Equal(50, nodes.Count);
        Assert.All(nodes, n => Assert.All(n!["communications"]!.AsArray(), c => Assert.NotNull(c!["record"])));
    }

    private static object Communication(string type, string value, string entityType, string entityId) => new { type, value, entityType, entityId };

    /// <summary>type|value|entityType|entityId|the record's name or title (empty when null).</summary>
    private static List<string> Described(JsonNode activity) =>
        activity["communications"]!.AsArray().Select(c =>
        {
            var record = c!["record"];
            var title = record?["name"]?.GetValue<string>() ?? record?["title"]?.GetValue<string>() ?? "";
            return $"{c["type"]!.GetValue<string>()}|{c["value"]!.GetValue<string>()}|{c["entityType"]?.GetValue<string>()}|{c["entityId"]?.GetValue<string>()}|{title}";
        }).ToList();

    /// <summary>The stored rows, position|type|value|entity_type|entity_id, in order.</summary>
    private async Task<List<string>> RowsAsync(string activityId) =>
        (await Host.QueryRowsAsync($"SELECT position, type, value, entity_type, entity_id FROM {Host.Table("activities", "activity_communications")} WHERE activity_id = @p0 ORDER BY position",
            long.Parse(activityId, CultureInfo.InvariantCulture)))
        .Select(r => string.Join('|', Convert.ToInt64(r["position"], CultureInfo.InvariantCulture), r["type"], r["value"], r["entity_type"], r["entity_id"] is { } e ? Convert.ToInt64(e, CultureInfo.InvariantCulture) : ""))
        .ToList();

    /// <summary>The payloads of the activity's events in the outbox.</summary>
    private async Task<List<string>> PayloadsAsync(string activityId) =>
        (await Host.QueryRowsAsync($"SELECT payload FROM {Host.Table("activities", "outbox")} WHERE entity_type = 'activity' AND entity_id = @p0 ORDER BY id",
            long.Parse(activityId, CultureInfo.InvariantCulture)))
        .Select(r => Convert.ToString(r["payload"], CultureInfo.InvariantCulture) ?? "").ToList();

    private Task<JsonNode> CreateAsync(object input, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("createActivity", $"mutation($input: CreateActivityInput!) {{ createActivity(input: $input) {{ activity {{ {Fields} }} errors {{ code message path }} }} }}", new { input }, apiKey);

    private Task<JsonNode> UpdateAsync(string id, object input, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("updateActivity", $"mutation($id: ID!, $input: UpdateActivityInput!) {{ updateActivity(id: $id, input: $input) {{ activity {{ {Fields} }} errors {{ code message path }} }} }}", new { id, input }, apiKey);
}

[Trait("Engine", "Sqlite")]
public sealed class ActivityCommunicationsOnSqlite(QuotePluginSqliteHost fixture) : ActivityCommunicationTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ActivityCommunicationsOnPostgres(QuotePluginPostgresHost fixture) : ActivityCommunicationTests(fixture), IClassFixture<QuotePluginPostgresHost>;

/// <summary>
/// Limits:MaxDetachedReferences (3 here) counts the activities whose communications a delete
/// would clear, with every other reference: beyond it the delete is refused before anything changes.
/// </summary>
public abstract class CommunicationDetachLimitTests(ConfiguredHostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Theory]
    [InlineData(3, true)]
    [InlineData(30, false)]
    public async Task A_delete_clears_the_communications_of_at_most_the_limit_of_activities(int activities, bool allowed)
    {
        var dealId = await Host.CreateDealAsync(new { title = "Calls" });
        var contactId = await Host.CreateContactAsync(new { name = Records.NewMarker("Called") });
        for (var i = 0; i < activities; i++)
        {
            (await Host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message path } } }", new
            {
                input = new
                {
                    typeId = "CALL", subject = $"Call {i}", bindings = new[] { Bind("DEAL", dealId) },
                    communications = new[] { new { type = "PHONE", value = "+1 555 0100", entityType = "CONTACT", entityId = contactId } },
                },
            })).Ok();
        }

        var payload = await Host.MutateAsync("deleteContact", "mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code message } } }", new { id = contactId });
        var naming = (await Host.QueryRowsAsync($"SELECT activity_id FROM {Host.Table("activities", "activity_communications")} WHERE entity_type = 'contact' AND entity_id = @p0",
            long.Parse(contactId, CultureInfo.InvariantCulture))).Count;
        if (allowed)
        {
            Assert.Equal(contactId, payload.Ok()["deletedId"]!.GetValue<string>());
            Assert.Equal(0, naming);
        }
        else
        {
            Assert.Equal("LIMIT_EXCEEDED", payload.ErrorCode());
            Assert.Equal(activities, naming);
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class CommunicationDetachLimitOnSqlite(DetachLimitSqliteHost fixture) : CommunicationDetachLimitTests(fixture), IClassFixture<DetachLimitSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class CommunicationDetachLimitOnPostgres(DetachLimitPostgresHost fixture) : CommunicationDetachLimitTests(fixture), IClassFixture<DetachLimitPostgresHost>;
