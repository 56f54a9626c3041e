using System.Globalization;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Integrity;

/// <summary>
/// A create, update or delete of a record is one transaction of the scope's session, with no
/// savepoint inside it and a bounded number of statements, its event written in it. Counted from
/// the request's own <c>X-Sql-*</c> headers, so that a second transaction or a savepoint (EF Core
/// makes one per save inside a transaction unless told not to) shows up here.
/// </summary>
public abstract class WriteTransactionTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<long> EventsAsync(string module, long id) => Convert.ToInt64(
        (await Host.QueryRowsAsync($"SELECT COUNT(*) FROM {Host.Table(module, "outbox")} WHERE entity_id = @p0", id)).Single().Values.Single(),
        CultureInfo.InvariantCulture);

    private static void OneTransactionWithoutSavepoints(GraphQLResponse response, int maxStatements, SqlCapture sql)
    {
        response.ShouldSucceed();
        Assert.Equal(1, response.Transactions);
        Assert.Equal(0, response.Savepoints);
        Assert.True(response.Statements <= maxStatements,
            $"{response.Statements} statements, at most {maxStatements} expected; sent meanwhile:\n{string.Join("\n", sql.Commands.Select(c => c.Text))}");
    }

    [Fact]
    public async Task Creating_a_contact_with_companies_is_one_transaction_with_its_event()
    {
        var company = await Host.CreateCompanyAsync(new { title = Records.NewMarker("Tx") });

        using var sql = SqlCapture.Start(Host);
        var response = await Host.QueryAsync(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id name } errors { code message } } }",
            new { input = new { name = Records.NewMarker("Tx"), companyIds = new[] { company } } });

        // The company held (PostgreSQL) and read, the contact, its link (which needs the contact's
        // new id), its event, then its search links: the links, the titles, the update; then its
        // duplicate keys (Duplicates module): its companies read, its name key written, and the
        // check for other records with that key.
        OneTransactionWithoutSavepoints(response, maxStatements: Host.Engine == Engine.Postgres ? 11 : 10, sql);
        var id = long.Parse(response.Data!["createContact"]!["contact"]!["id"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.Equal(1, await EventsAsync("contacts", id));
    }

    [Fact]
    public async Task Updating_a_deal_is_one_transaction_with_its_event()
    {
        var id = await Host.CreateDealAsync(new { title = Records.NewMarker("Tx") });

        using var sql = SqlCapture.Start(Host);
        var response = await Host.QueryAsync(
            "mutation($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { deal { id title } errors { code message } } }",
            new { id, input = new { title = Records.NewMarker("Tx2"), opportunity = 1200 } });

        // The read (on PostgreSQL with the row's lock in the same statement), then the update with
        // its event in one batch; SQLite sends the two of the batch one by one. The stages'
        // selection list is cached since the deal was created.
        OneTransactionWithoutSavepoints(response, maxStatements: Host.Engine == Engine.Postgres ? 2 : 3, sql);
        if (Host.Engine == Engine.Postgres)
        {
            Assert.Single(sql.Commands, c => c.Text.Contains("FOR NO KEY UPDATE", StringComparison.Ordinal));
            Assert.Contains(sql.Commands, c => c.Text.Contains("FOR NO KEY UPDATE", StringComparison.Ordinal) && c.Text.Contains("deal_contacts", StringComparison.Ordinal));
        }

        Assert.Equal(2, await EventsAsync("deals", long.Parse(id, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Creating_and_deleting_a_company_are_one_transaction_each()
    {
        using var sql = SqlCapture.Start(Host);
        var created = await Host.QueryAsync(
            "mutation($input: CreateCompanyInput!) { createCompany(input: $input) { company { id } errors { code message } } }",
            new { input = new { title = Records.NewMarker("Tx") } });
        // The company, then its event (which needs the company's new id).
        OneTransactionWithoutSavepoints(created, maxStatements: 2, sql);
        var id = created.Data!["createCompany"]!["company"]!["id"]!.GetValue<string>();

        var deleted = await Host.QueryAsync(
            "mutation($id: ID!) { deleteCompany(id: $id) { deletedId errors { code message } } }", new { id });

        // Deleting clears every reference to the company first: more statements, still one transaction.
        deleted.ShouldSucceed();
        Assert.Equal(1, deleted.Transactions);
        Assert.Equal(0, deleted.Savepoints);
        Assert.Equal(2, await EventsAsync("companies", long.Parse(id, CultureInfo.InvariantCulture)));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class WriteTransactionTestsOnSqlite(SqliteHost fixture) : WriteTransactionTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class WriteTransactionTestsOnPostgres(PostgresHost fixture) : WriteTransactionTests(fixture), IClassFixture<PostgresHost>;
