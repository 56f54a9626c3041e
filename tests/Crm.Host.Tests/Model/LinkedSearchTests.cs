using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Model;

/// <summary>
/// A type's <c>search</c> finds its records by the titles of the records they link to (contacts by
/// their companies, deals by their company and contacts), kept up to date when links or titles change.
/// </summary>
public abstract class LinkedSearchTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<IReadOnlyList<string>> SearchAsync(string list, string search, string? apiKey = CrmHost.AdminKey) =>
        Records.Ids((await Host.QueryAsync($"query($s: String!) {{ {list}(search: $s, first: 50) {{ nodes {{ id }} }} }}", new { s = search }, apiKey))
            .ShouldSucceed().Data![list]!["nodes"]);

    private Task DeliverEventsAsync() => Host.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None);

    [Fact]
    public async Task Contacts_are_found_by_their_companies_and_deals_by_their_company_and_contacts()
    {
        var acme = Records.NewMarker("acme").ToLowerInvariant();
        var globex = Records.NewMarker("globex").ToLowerInvariant();
        var acmeId = await Host.CreateCompanyAsync(new { title = $"Acme {acme}" });
        var globexId = await Host.CreateCompanyAsync(new { title = $"Globex {globex}" });
        var lee = Records.NewMarker("lee").ToLowerInvariant();
        var ann = await Host.CreateContactAsync(new { name = "Ann", lastName = lee, companyIds = new[] { acmeId } });
        var bob = await Host.CreateContactAsync(new { name = "Bob", lastName = acme + "son" });
        var deal = await Host.CreateDealAsync(new { title = "Roof", companyId = globexId });
        var annsDeal = await Host.CreateDealAsync(new { title = "Gutter", contactIds = new[] { ann } });

        Assert.Equal([ann, bob], (await SearchAsync("contacts", acme)).Order());
        Assert.Equal([ann], await SearchAsync("contacts", $"ann {acme}"));
        Assert.Equal([deal], await SearchAsync("deals", globex));
        Assert.Equal([deal], await SearchAsync("deals", $"roof globex {globex}"));
        Assert.Empty(await SearchAsync("deals", $"gutter {globex}"));
        Assert.Equal([annsDeal], await SearchAsync("deals", $"gutter ann {lee}"));

        // A link changed by the record's own write counts at once.
        (await Host.QueryAsync("mutation($id: ID!, $c: [ID!]) { updateContact(id: $id, input: { companyIds: $c }) { errors { code } } }", new { id = ann, c = new[] { globexId } })).ShouldSucceed();
        Assert.Equal([bob], await SearchAsync("contacts", acme));
        Assert.Equal([ann], await SearchAsync("contacts", globex));
        (await Host.QueryAsync("mutation($id: ID!, $c: ID) { updateDeal(id: $id, input: { companyId: $c }) { errors { code } } }", new { id = deal, c = acmeId })).ShouldSucceed();
        Assert.Equal([deal], await SearchAsync("deals", acme));
        Assert.Empty(await SearchAsync("deals", $"roof {globex}"));
    }

    [Fact]
    public async Task A_renamed_company_is_followed_by_the_search_of_its_contacts_and_deals()
    {
        var before = Records.NewMarker("before").ToLowerInvariant();
        var after = Records.NewMarker("after").ToLowerInvariant();
        var company = await Host.CreateCompanyAsync(new { title = $"Initech {before}" });
        var contacts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            contacts.Add(await Host.CreateContactAsync(new { name = $"Peter {i}", companyIds = new[] { company } }));
        }

        var deal = await Host.CreateDealAsync(new { title = "TPS", companyId = company, contactIds = new[] { contacts[0] } });
        Assert.Equal(contacts, (await SearchAsync("contacts", before)).Order());

        (await Host.QueryAsync("mutation($id: ID!, $t: String!) { updateCompany(id: $id, input: { title: $t }) { errors { code } } }", new { id = company, t = $"Initrode {after}" })).ShouldSucceed();
        await DeliverEventsAsync();

        Assert.Equal(contacts, (await SearchAsync("contacts", after)).Order());
        Assert.Empty(await SearchAsync("contacts", before));
        Assert.Equal([deal], await SearchAsync("deals", $"initrode {after}"));
        Assert.Empty(await SearchAsync("deals", before));

        // A renamed contact: the deals that name it follow too.
        (await Host.QueryAsync("mutation($id: ID!, $n: String!) { updateContact(id: $id, input: { lastName: $n }) { errors { code } } }", new { id = contacts[0], n = after + "ski" })).ShouldSucceed();
        await DeliverEventsAsync();
        Assert.Equal([deal], await SearchAsync("deals", after + "ski"));

        // A deleted company lets go of its contacts at once, and of their search.
        (await Host.QueryAsync("mutation($id: ID!) { deleteCompany(id: $id) { errors { code } } }", new { id = company })).ShouldSucceed();
        // (contacts[0] is now found by its own last name, which holds the marker: search by the title's first word too.)
        Assert.Empty(await SearchAsync("contacts", $"initrode {after}"));
        Assert.Empty(await SearchAsync("deals", $"initrode {after}"));
    }

    [Fact]
    public async Task Renames_delivered_together_are_each_followed_by_their_last_title()
    {
        // The handler takes a batch's renames in one call (one scope and timeout per batch, not per event).
        Assert.True(Host.Services.GetRequiredService<EventCatalog>().Find("platform/search-links")?.TakesBatches);

        var first = Records.NewMarker("first").ToLowerInvariant();
        var middle = Records.NewMarker("middle").ToLowerInvariant();
        var last = Records.NewMarker("last").ToLowerInvariant();
        var other = Records.NewMarker("other").ToLowerInvariant();
        var renamed = await Host.CreateCompanyAsync(new { title = $"Hooli {first}" });
        var alsoRenamed = await Host.CreateCompanyAsync(new { title = $"Pied {first}" });
        var gavin = await Host.CreateContactAsync(new { name = "Gavin", companyIds = new[] { renamed } });
        var richard = await Host.CreateContactAsync(new { name = "Richard", companyIds = new[] { alsoRenamed } });
        await DeliverEventsAsync();

        // Three renames, none delivered before the next: one batch.
        const string Rename = "mutation($id: ID!, $t: String!) { updateCompany(id: $id, input: { title: $t }) { errors { code } } }";
        (await Host.QueryAsync(Rename, new { id = renamed, t = $"Hooli {middle}" })).ShouldSucceed();
        (await Host.QueryAsync(Rename, new { id = alsoRenamed, t = $"Piper {other}" })).ShouldSucceed();
        (await Host.QueryAsync(Rename, new { id = renamed, t = $"Hooli {last}" })).ShouldSucceed();
        await DeliverEventsAsync();

        Assert.Equal([gavin], await SearchAsync("contacts", last));
        Assert.Equal([richard], await SearchAsync("contacts", other));
        Assert.Empty(await SearchAsync("contacts", middle));
        Assert.Empty(await SearchAsync("contacts", first));
    }

    [Fact]
    public async Task The_search_by_linked_titles_is_the_same_for_every_reader_and_shows_only_what_they_may_read()
    {
        var marker = Records.NewMarker("hidden").ToLowerInvariant();
        var (userId, _, key) = await Host.NewUserWithKeyAsync("searcher");
        var role = await Host.CreateRoleAsync("contacts-only", [new { entityType = "CONTACT", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        var company = await Host.CreateCompanyAsync(new { title = $"Umbrella {marker}" });
        var visible = await Host.CreateContactAsync(new { name = "Alice", companyIds = new[] { company }, assignedById = userId });
        await Host.CreateContactAsync(new { name = "Carlos", companyIds = new[] { company } });

        // The reader cannot read the company, yet finds their own contact by its title; not the other one.
        Assert.Equal([visible], await SearchAsync("contacts", marker, key));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class LinkedSearchOnSqlite(SqliteHost fixture) : LinkedSearchTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class LinkedSearchOnPostgres(PostgresHost fixture) : LinkedSearchTests(fixture), IClassFixture<PostgresHost>;
