namespace Crm.Host.Tests.Infrastructure;

/// <summary>One host per test class, on the engine of the concrete fixture.</summary>
public abstract class HostFixture(Engine engine) : IAsyncLifetime
{
    private CrmHost? _host;

    public Engine Engine { get; } = engine;

    public CrmHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await CrmHost.StartAsync(Engine);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public sealed class SqliteHost() : HostFixture(Engine.Sqlite);

public sealed class PostgresHost() : HostFixture(Engine.Postgres);
