using System.Collections.Concurrent;
using Crm.Host.Data;
using Crm.Host.Marketplace;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Marketplace;

/// <summary>
/// The purge of an uninstalled plugin's types when one module's part of it fails: the other modules
/// still purge, the types stay pending, and the next run (the next start's) purges again until every
/// module has done its part.
/// </summary>
public abstract class RecordTypePurgeRetryTests(Engine engine)
{
    /// <summary>What the test's two owners were asked, and whether the failing one fails now.</summary>
    public sealed class PurgeProbe
    {
        public volatile bool Fail = true;

        public ConcurrentQueue<string> Calls { get; } = new();
    }

    private sealed class FailingOwner(PurgeProbe probe) : IRecordTypeDataOwner
    {
        public Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
        {
            probe.Calls.Enqueue("failing:" + string.Join(",", recordTypes));
            return probe.Fail ? throw new InvalidOperationException("The module's table is locked") : Task.FromResult(1);
        }
    }

    private sealed class RecordingOwner(PurgeProbe probe) : IRecordTypeDataOwner
    {
        public Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
        {
            probe.Calls.Enqueue("recording:" + string.Join(",", recordTypes));
            return Task.FromResult(0);
        }
    }

    [Fact]
    public async Task A_module_that_fails_its_part_leaves_the_types_pending_the_others_purge_and_the_next_run_completes_it()
    {
        var probe = new PurgeProbe();
        await using var host = await CrmHost.StartAsync(engine, services: services =>
        {
            services.AddSingleton(probe);
            services.AddScoped<IRecordTypeDataOwner, FailingOwner>();
            services.AddScoped<IRecordTypeDataOwner, RecordingOwner>();
        });
        var plugin = "acme_gone_" + Guid.NewGuid().ToString("N")[..8];
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            db.RecordTypePurges.Add(new RecordTypePurge { ModuleId = plugin, RecordType = "ghost", RequestedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var runner = host.Services.GetRequiredService<RecordTypePurgeRunner>();
        await runner.RunAsync(CancellationToken.None);
        Assert.Equal(["failing:ghost", "recording:ghost"], probe.Calls.Order(StringComparer.Ordinal));
        Assert.Equal(["ghost"], await PendingAsync(host, plugin));

        // Failing again: still pending, every module asked again.
        probe.Calls.Clear();
        await runner.RunAsync(CancellationToken.None);
        Assert.Equal(["failing:ghost", "recording:ghost"], probe.Calls.Order(StringComparer.Ordinal));
        Assert.Equal(["ghost"], await PendingAsync(host, plugin));

        // The module's trouble is over: the next run completes the purge and the pending row goes; a run after that asks no one.
        probe.Fail = false;
        probe.Calls.Clear();
        await runner.RunAsync(CancellationToken.None);
        Assert.Equal(["failing:ghost", "recording:ghost"], probe.Calls.Order(StringComparer.Ordinal));
        Assert.Empty(await PendingAsync(host, plugin));
        probe.Calls.Clear();
        await runner.RunAsync(CancellationToken.None);
        Assert.Empty(probe.Calls);
    }

    private static async Task<List<string>> PendingAsync(CrmHost host, string plugin)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().RecordTypePurges.AsNoTracking()
            .Where(p => p.ModuleId == plugin).Select(p => p.RecordType).ToListAsync();
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RecordTypePurgeRetryOnSqlite() : RecordTypePurgeRetryTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class RecordTypePurgeRetryOnPostgres() : RecordTypePurgeRetryTests(Engine.Postgres);
