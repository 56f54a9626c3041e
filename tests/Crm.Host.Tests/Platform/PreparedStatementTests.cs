using Crm.Host.Hosting;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// On PostgreSQL the platform's statements are prepared on each connection after their second
/// use, so a repeated request sends only their names and parameters: PostgreSQL neither parses
/// nor, mostly, plans them again. PostgreSQL only: SQLite's statements are in-process.
/// </summary>
[Trait("Engine", "Postgres")]
public sealed class PreparedStatementsOnPostgres : IAsyncLifetime
{
    private PostgresWireTap? _tap;
    private CrmHost? _host;

    public async Task InitializeAsync()
    {
        // The statement's text as EF Core writes it: seen on the wire only when it is parsed again.
        _tap = new PostgresWireTap(await TestPostgres.CreateDatabaseAsync(), "FROM companies.companies");
        _host = new CrmHost(Engine.Postgres, _tap.ConnectionString);
        _ = _host.Server;
    }

    [Fact]
    public async Task A_repeated_read_sends_its_statements_without_their_text()
    {
        var host = _host!;
        await host.QueryAsync("mutation { createCompany(input: { title: \"Acme\" }) { company { id } } }");
        const string Read = "{ companies(first: 5) { totalCount nodes { id title } } }";
        // Enough for every pooled connection to have used (and so prepared) both statements twice.
        for (var i = 0; i < 60; i++)
        {
            (await host.QueryAsync(Read)).ShouldSucceed();
        }

        _tap!.Reset();
        for (var i = 0; i < 20; i++)
        {
            (await host.QueryAsync(Read)).ShouldSucceed();
        }

        // 40 statements (the count and the page). A connection prepares each after its second use, so it
        // sends their text at most four times however often it serves the read; the host's background work
        // may hold pooled connections meanwhile and send a few reads to new ones, each to be prepared in turn.
        // Unprepared, the 40 statements' text would be sent 40 times, and more than four times on a connection.
        Assert.All(_tap.SeenByConnection, seen => Assert.InRange(seen, 1, 4));
        Assert.InRange(_tap.Seen, 0, 20);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_tap is not null)
        {
            await _tap.DisposeAsync();
        }
    }
}

/// <summary>What the connection string says about preparing statements wins over the platform's defaults (no host needed).</summary>
[Trait("Engine", "Postgres")]
public sealed class PreparedStatementSettings
{
    [Theory]
    [InlineData("Host=db;Database=crm", CrmApplication.DefaultMaxAutoPrepare, 2)]
    [InlineData("Host=db;Database=crm;Max Auto Prepare=0", 0, 5)]
    [InlineData("Host=db;Database=crm;MaxAutoPrepare=16;Auto Prepare Min Usages=7", 16, 7)]
    public void The_connection_string_says_otherwise_and_wins(string given, int maxAutoPrepare, int minUsages)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Crm"] = given,
        }).Build();
        var effective = new NpgsqlConnectionStringBuilder(CrmApplication.ReadDatabaseOptions(configuration).ConnectionString);
        Assert.Equal(maxAutoPrepare, effective.MaxAutoPrepare);
        Assert.Equal(minUsages, effective.AutoPrepareMinUsages);
    }
}
