using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Scripting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// The host serves one script sandbox, with the <c>Scripts:*</c> settings and the host's clock.
/// Nothing in the host runs scripts yet (the automation engine will, through this service):
/// this test checks what the host puts together (StartupTests: a setting that cannot work).
/// </summary>
public abstract class ScriptSandboxHostTests(Engine engine)
{
    private static readonly DateTimeOffset Pinned = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);

    [Fact]
    public async Task The_hosts_sandbox_follows_the_scripts_settings_and_the_hosts_clock()
    {
        await using var host = await CrmHost.StartAsync(
            engine,
            new Dictionary<string, string?>
            {
                ["Scripts:MaxStatements"] = "1000",
                ["Scripts:HttpAllowList:0"] = "https://hooks.example.com/crm/",
            },
            services => services.AddSingleton<TimeProvider>(new FakeTimeProvider(Pinned)));
        var sandbox = host.Services.GetRequiredService<ScriptSandbox>();

        var loop = sandbox.Run(new ScriptRun("while (true) {}"));
        var allowed = sandbox.Run(new ScriptRun("crm.http('POST', 'https://hooks.example.com/crm/won', { id: 1 }); crm.now()"));

        Assert.Equal("Scripts:MaxStatements", loop.Error!.Limit);
        Assert.Equal(1_000, loop.Statements);
        Assert.True(allowed.Succeeded, allowed.Error?.Message);
        Assert.Equal("2026-03-14T15:09:26.000Z", allowed.Result!.GetValue<string>());
        Assert.Equal("http", Assert.Single(allowed.Requests).Kind);
        Assert.Same(sandbox, host.Services.GetRequiredService<ScriptSandbox>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ScriptSandboxHostOnSqlite() : ScriptSandboxHostTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class ScriptSandboxHostOnPostgres() : ScriptSandboxHostTests(Engine.Postgres);
