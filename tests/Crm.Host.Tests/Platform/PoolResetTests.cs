using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// A request reuses pooled connections without resetting them: EF Core opens and closes the
/// scope's connection around each statement, and with Npgsql's default every reuse first sent
/// <c>DISCARD ALL</c> (4 to 6 a request). PostgreSQL only: SQLite has no such reset.
/// </summary>
[Trait("Engine", "Postgres")]
public sealed class PoolResetOnPostgres : IAsyncLifetime
{
    private PostgresWireTap? _tap;
    private CrmHost? _host;

    public async Task InitializeAsync()
    {
        _tap = new PostgresWireTap(await TestPostgres.CreateDatabaseAsync(), "DISCARD ALL");
        _host = new CrmHost(Engine.Postgres, _tap.ConnectionString);
        _ = _host.Server;
    }

    [Fact]
    public async Task Requests_send_no_DISCARD_ALL()
    {
        var host = _host!;
        await host.QueryAsync("mutation { createCompany(input: { title: \"Acme\" }) { company { id } } }");
        _tap!.Reset();

        for (var i = 0; i < 5; i++)
        {
            var read = (await host.QueryAsync("{ companies(first: 5) { totalCount nodes { id title } } contacts(first: 5) { nodes { id } } }")).ShouldSucceed();
            Assert.True(read.Statements >= 2, "The read must reach the database for the test to mean anything.");
        }

        Assert.Equal(0, _tap.Seen);
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
