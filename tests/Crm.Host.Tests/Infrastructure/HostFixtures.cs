using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// One host per test class, on the engine of the concrete fixture. A fixture that needs more says
/// only what differs: its <see cref="Settings"/>, the services it replaces
/// (<see cref="ConfigureServices"/>), and what it cleans up after the host (<see cref="DisposeAsync"/>).
/// </summary>
public abstract class HostFixture(Engine engine) : IAsyncLifetime
{
    private CrmHost? _host;

    public Engine Engine { get; } = engine;

    public CrmHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual async Task InitializeAsync() => _host = await CrmHost.StartAsync(Engine, Settings, ConfigureServices);

    public virtual async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public sealed class SqliteHost() : HostFixture(Engine.Sqlite);

public sealed class PostgresHost() : HostFixture(Engine.Postgres);
