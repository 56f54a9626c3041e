using System.Text.Json.Nodes;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Events;

/// <summary>
/// Domain events in the outbox, read straight from the database: what a change writes, what a
/// refused change does not, what deleting a company does to its contacts, and delivery.
/// </summary>
public abstract class DomainEventTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private sealed record OutboxRow(long Id, string Kind, string EntityType, long EntityId, JsonObject Payload, bool Processed);

    private async Task<List<OutboxRow>> OutboxAsync(string module, string entityType, string id)
    {
        var rows = await Host.QueryRowsAsync(
            $"SELECT id, kind, entity_type, entity_id, payload, processed_at FROM {Host.Table(module, "outbox")} WHERE entity_type = @p0 AND entity_id = @p1 ORDER BY id",
            entityType, long.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
        return rows.Select(r => new OutboxRow(
            Convert.ToInt64(r["id"], System.Globalization.CultureInfo.InvariantCulture),
            (string)r["kind"]!,
            (string)r["entity_type"]!,
            Convert.ToInt64(r["entity_id"], System.Globalization.CultureInfo.InvariantCulture),
            JsonNode.Parse((string)r["payload"]!)!.AsObject(),
            r["processed_at"] is not null)).ToList();
    }

    private async Task<long> CountAsync(string sql, params object[] parameters)
    {
        var rows = await Host.QueryRowsAsync(sql, parameters);
        return Convert.ToInt64(rows.Single().Values.Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<long> OutboxCountAsync(string module) => await CountAsync($"SELECT COUNT(*) FROM {Host.Table(module, "outbox")}");

    private async Task<JsonNode> UpdateContactAsync(string id, object input)
    {
        var response = (await Host.QueryAsync(
            "mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { contact { id name companies { id } } errors { code message path } } }",
            new { id, input })).ShouldSucceed();
        return response.Data!["updateContact"]!;
    }

    private static IReadOnlyList<string> Ids(JsonNode? array) =>
        array!.AsArray().Select(x => x!.ToJsonString().Trim('"')).ToList();

    private static JsonObject Changes(OutboxRow row) => row.Payload["data"]!["changes"]!.AsObject();

    [Fact]
    public async Task Creating_updating_and_deleting_a_contact_writes_its_events()
    {
        var id = await Host.CreateContactAsync(new
        {
            name = "Ann",
            lastName = "Lee",
            post = "Buyer",
            birthdate = "1990-05-01",
            emails = new[] { new { value = "ann@example.com", valueType = "WORK" } },
        });

        var created = Assert.Single(await OutboxAsync("contacts", "contact", id));
        Assert.Equal("record.created", created.Kind);
        Assert.Equal("contact", created.EntityType);
        Assert.Equal(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), created.EntityId);
        Assert.Equal(id, created.Payload["entityId"]!.ToJsonString().Trim('"'));
        Assert.Equal("record.created", created.Payload["type"]!.GetValue<string>());
        Assert.Equal(1, created.Payload["version"]!.GetValue<int>());
        Assert.Equal("contact", created.Payload["entityType"]!.GetValue<string>());
        Assert.Equal(1, created.Payload["actorId"]!.GetValue<long>());
        Assert.Equal(["entityType", "recordId"], created.Payload["data"]!.AsObject().Select(p => p.Key));
        Assert.False(created.Processed);

        // post is given with the value it has: not a change.
        var updated = await UpdateContactAsync(id, new { name = "Anna", lastName = (string?)null, post = "Buyer", birthdate = "1991-06-02" });
        Assert.Empty(updated["errors"]!.AsArray());
        var rows = await OutboxAsync("contacts", "contact", id);
        Assert.Equal(2, rows.Count);
        var update = rows[1];
        Assert.Equal("record.updated", update.Kind);
        Assert.Equal(["birthdate", "lastName", "name"], Changes(update).Select(c => c.Key).Order(StringComparer.Ordinal));
        Assert.Equal("Ann", Changes(update)["name"]!["oldValue"]!.GetValue<string>());
        Assert.Equal("Anna", Changes(update)["name"]!["newValue"]!.GetValue<string>());
        Assert.Equal("Lee", Changes(update)["lastName"]!["oldValue"]!.GetValue<string>());
        Assert.True(Changes(update)["lastName"]!.AsObject().ContainsKey("newValue"));
        Assert.Null(Changes(update)["lastName"]!["newValue"]);
        Assert.Equal("1990-05-01", Changes(update)["birthdate"]!["oldValue"]!.GetValue<string>());
        Assert.Equal("1991-06-02", Changes(update)["birthdate"]!["newValue"]!.GetValue<string>());

        await UpdateContactAsync(id, new { emails = new[] { new { value = "anna@example.com", valueType = "HOME" } } });
        rows = await OutboxAsync("contacts", "contact", id);
        Assert.Equal(3, rows.Count);
        var emails = Assert.Single(Changes(rows[2]));
        Assert.Equal("emails", emails.Key);
        Assert.Equal("ann@example.com", emails.Value!["oldValue"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("WORK", emails.Value!["oldValue"]![0]!["valueType"]!.GetValue<string>());
        Assert.Equal("anna@example.com", emails.Value!["newValue"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("HOME", emails.Value!["newValue"]![0]!["valueType"]!.GetValue<string>());

        // Nothing changes: no event, nor anything else written.
        var before = await DatabaseState.CaptureAsync(Host);
        await UpdateContactAsync(id, new { name = "Anna", post = "Buyer" });
        await before.ShouldBeUnchangedAsync(Host, "an update that changes nothing");

        var deleted = (await Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code } } }", new { id })).ShouldSucceed();
        Assert.Equal(id, deleted.Data!["deleteContact"]!["deletedId"]!.GetValue<string>());
        rows = await OutboxAsync("contacts", "contact", id);
        Assert.Equal(["record.created", "record.updated", "record.updated", "record.deleted"], rows.Select(r => r.Kind));
        Assert.Equal(id, rows[3].Payload["entityId"]!.ToJsonString().Trim('"'));
        Assert.All(rows, r => Assert.False(r.Processed));
    }

    [Fact]
    public async Task Changing_the_companies_of_a_contact_records_companyIds()
    {
        var a = await Host.CreateCompanyAsync(new { title = "Ev A " + Guid.NewGuid() });
        var b = await Host.CreateCompanyAsync(new { title = "Ev B " + Guid.NewGuid() });
        var id = await Host.CreateContactAsync(new { name = "Linked", companyIds = new[] { a } });

        await UpdateContactAsync(id, new { companyIds = new[] { a, b } });
        var rows = await OutboxAsync("contacts", "contact", id);
        Assert.Equal(["record.created", "record.updated"], rows.Select(r => r.Kind));
        var change = Assert.Single(Changes(rows[1]));
        Assert.Equal("companyIds", change.Key);
        Assert.Equal([a], Ids(change.Value!["oldValue"]));
        Assert.Equal([a, b], Ids(change.Value!["newValue"]));

        // The order is part of the value.
        await UpdateContactAsync(id, new { companyIds = new[] { b, a } });
        rows = await OutboxAsync("contacts", "contact", id);
        change = Assert.Single(Changes(rows[2]));
        Assert.Equal([a, b], Ids(change.Value!["oldValue"]));
        Assert.Equal([b, a], Ids(change.Value!["newValue"]));

        // A field and the links in one update: one event with both.
        await UpdateContactAsync(id, new { name = "Unlinked", companyIds = Array.Empty<string>() });
        rows = await OutboxAsync("contacts", "contact", id);
        Assert.Equal(4, rows.Count);
        Assert.Equal(["companyIds", "name"], Changes(rows[3]).Select(c => c.Key).Order(StringComparer.Ordinal));
        Assert.Equal([b, a], Ids(Changes(rows[3])["companyIds"]!["oldValue"]));
        Assert.Empty(Ids(Changes(rows[3])["companyIds"]!["newValue"]));
        Assert.Equal("Linked", Changes(rows[3])["name"]!["oldValue"]!.GetValue<string>());

        // The same (empty) list again changes nothing.
        var before = await DatabaseState.CaptureAsync(Host);
        await UpdateContactAsync(id, new { companyIds = Array.Empty<string>() });
        await before.ShouldBeUnchangedAsync(Host, "an update to the same (empty) list of companies");
    }

    [Fact]
    public async Task A_refused_mutation_writes_no_event()
    {
        var company = await Host.CreateCompanyAsync(new { title = "Ev refused " + Guid.NewGuid() });
        var id = await Host.CreateContactAsync(new { name = "Kept", companyIds = new[] { company } });
        var contacts = await OutboxCountAsync("contacts");
        var companies = await OutboxCountAsync("companies");

        async Task Refused(string mutation, object variables, string payload, string code)
        {
            var response = (await Host.QueryAsync(mutation, variables)).ShouldSucceed();
            var errors = response.Data![payload]!["errors"]!.AsArray();
            Assert.Contains(errors, e => e!["code"]!.GetValue<string>() == code);
        }

        const string create = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { code } } }";
        const string update = "mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { contact { id } errors { code } } }";
        await Refused(create, new { input = new { name = "Bad", emails = new[] { new { value = "not an e-mail" } } } }, "createContact", "INVALID_FORMAT");
        await Refused(create, new { input = new { post = "No name" } }, "createContact", "REQUIRED");
        await Refused(create, new { input = new { name = "Nowhere", companyIds = new[] { "999999999" } } }, "createContact", "NOT_FOUND");
        await Refused(update, new { id, input = new { name = "Changed", emails = new[] { new { value = "bad" } } } }, "updateContact", "INVALID_FORMAT");
        await Refused(update, new { id, input = new { name = "Changed", companyIds = new[] { "999999999" } } }, "updateContact", "NOT_FOUND");
        await Refused(update, new { id, input = new { name = "Changed", lastName = new string('x', 51) } }, "updateContact", "TOO_LONG");
        await Refused(update, new { id = "999999999", input = new { name = "Ghost" } }, "updateContact", "NOT_FOUND");
        await Refused("mutation { deleteContact(id: \"999999999\") { deletedId errors { code } } }", new { }, "deleteContact", "NOT_FOUND");
        await Refused("mutation { deleteCompany(id: \"999999999\") { deletedId errors { code } } }", new { }, "deleteCompany", "NOT_FOUND");

        Assert.Equal(contacts, await OutboxCountAsync("contacts"));
        Assert.Equal(companies, await OutboxCountAsync("companies"));
        var read = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { name companies { id } } }", new { id })).ShouldSucceed();
        Assert.Equal("Kept", read.Data!["contact"]!["name"]!.GetValue<string>());
        Assert.Equal([company], Records.Ids(read.Data!["contact"]!["companies"]));
    }

    [Fact]
    public async Task Deleting_a_company_removes_it_from_its_contacts_at_once_each_with_its_event()
    {
        var doomed = await Host.CreateCompanyAsync(new { title = "Ev doomed " + Guid.NewGuid() });
        var kept = await Host.CreateCompanyAsync(new { title = "Ev kept " + Guid.NewGuid() });
        var both = await Host.CreateContactAsync(new { name = "In both", companyIds = new[] { doomed, kept } });
        var only = await Host.CreateContactAsync(new { name = "Only doomed", companyIds = new[] { doomed } });
        var links = $"SELECT COUNT(*) FROM {Host.Table("contacts", "contact_companies")} WHERE company_id = @p0";
        var doomedId = long.Parse(doomed, System.Globalization.CultureInfo.InvariantCulture);

        var deleted = (await Host.QueryAsync("mutation($id: ID!) { deleteCompany(id: $id) { deletedId errors { code } } }", new { id = doomed })).ShouldSucceed();
        Assert.Equal(doomed, deleted.Data!["deleteCompany"]!["deletedId"]!.GetValue<string>());

        // In the delete's own transaction, before any event is delivered.
        Assert.Equal(0, await CountAsync(links, doomedId));
        var events = await OutboxAsync("companies", "company", doomed);
        Assert.Equal(["record.created", "record.deleted"], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.False(e.Processed));
        var read = (await Host.QueryAsync(
            "query($both: ID!, $only: ID!) { both: contact(id: $both) { companies { id } } only: contact(id: $only) { companies { id } } }",
            new { both, only })).ShouldSucceed();
        Assert.Equal([kept], Records.Ids(read.Data!["both"]!["companies"]));
        Assert.Empty(Records.Ids(read.Data!["only"]!["companies"]));

        // Each contact's history tells that it lost the company.
        var bothChange = Changes((await OutboxAsync("contacts", "contact", both)).Last(e => e.Kind == "record.updated"))["companyIds"]!;
        Assert.Equal([doomed, kept], Ids(bothChange["oldValue"]));
        Assert.Equal([kept], Ids(bothChange["newValue"]));
        var onlyChange = Changes((await OutboxAsync("contacts", "contact", only)).Last(e => e.Kind == "record.updated"))["companyIds"]!;
        Assert.Empty(Ids(onlyChange["newValue"]));

        var dispatcher = Host.Services.GetRequiredService<OutboxDispatcher>();
        var delivered = await dispatcher.DispatchPendingAsync(CancellationToken.None);
        Assert.True(delivered >= 4, $"Delivered {delivered} events.");

        Assert.All(await OutboxAsync("companies", "company", doomed), e => Assert.True(e.Processed));
        Assert.All(await OutboxAsync("contacts", "contact", both), e => Assert.True(e.Processed));
        Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("companies", "outbox")} WHERE processed_at IS NULL"));
        Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM {Host.Table("contacts", "outbox")} WHERE processed_at IS NULL"));

        // Delivered once: nothing is left to deliver.
        Assert.Equal(0, await dispatcher.DispatchPendingAsync(CancellationToken.None));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class DomainEventTestsOnSqlite(SqliteHost fixture) : DomainEventTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DomainEventTestsOnPostgres(PostgresHost fixture) : DomainEventTests(fixture), IClassFixture<PostgresHost>;
