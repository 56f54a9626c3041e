using System.Collections.Concurrent;
using Crm.Host.Data;
using Crm.Host.Marketplace;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
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

    [Fact]
    public async Task A_type_name_another_module_registers_now_is_not_purged_and_the_rest_of_that_plugins_types_are()
    {
        var probe = new PurgeProbe { Fail = false };
        // The sample plugin registers "quote": an uninstalled plugin of another id had a type of that name.
        using var plugin = new SamplePluginFolder(faults: null);
        await using var host = await CrmHost.StartAsync(engine, plugin.Settings, services =>
        {
            services.AddSingleton(probe);
            services.AddScoped<IRecordTypeDataOwner, RecordingOwner>();
        });
        var quote = (await host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Still here\" }) { quote { id } errors { code message } } }")).Ok()["quote"]!["id"]!.GetValue<string>();
        (await host.MutateAsync("addComment", "mutation($id: ID!) { addComment(entityType: QUOTE, entityId: $id, text: \"Kept\") { errors { code message } } }", new { id = quote })).Ok();
        var old = "acme_old_" + Guid.NewGuid().ToString("N")[..8];
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            db.RecordTypePurges.AddRange(
                new RecordTypePurge { ModuleId = old, RecordType = "quote", RequestedAt = DateTime.UtcNow },
                new RecordTypePurge { ModuleId = old, RecordType = "ghost", RequestedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        probe.Calls.Clear();
        await host.Services.GetRequiredService<RecordTypePurgeRunner>().RunAsync(CancellationToken.None);

        Assert.Equal(["recording:ghost"], probe.Calls);
        Assert.Empty(await PendingAsync(host, old));
        var comments = await host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {host.Table("timeline", "comments")} WHERE entity_type = 'quote' AND entity_id = @p0", long.Parse(quote, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1L, Convert.ToInt64(comments[0]["n"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(quote, (await host.QueryAsync("query($id: ID!) { quote(id: $id) { id } }", new { id = quote })).ShouldSucceed().Data!["quote"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_hosts_purging_at_once_both_finish_without_an_error_and_leave_nothing()
    {
        var errors = new Crm.Host.Tests.Automation.ErrorLog();
        await using var first = await CrmHost.StartAsync(engine, services: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(errors));
        await using var second = new CrmHost(engine, first.ConnectionString, services: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(errors));
        _ = second.Server;
        // Rows naming the gone type in a module's table (rights of every role), as an uninstalled plugin leaves them.
        (await first.MutateAsync("createRole", "mutation { createRole(input: { name: \"Readers\", permissions: [{ entityType: CONTACT, action: READ, level: ALL }] }) { role { id } errors { code message } } }")).Ok();
        var rights = first.Table("permissions", "role_permissions");
        await first.QueryRowsAsync($"INSERT INTO {rights} (role_id, entity_type, action, level) SELECT id, 'ghost', 'READ', 'ALL' FROM {first.Table("permissions", "roles")}");
        Assert.NotEmpty(await first.QueryRowsAsync($"SELECT id FROM {rights} WHERE entity_type = 'ghost'"));
        var plugin = "acme_gone_" + Guid.NewGuid().ToString("N")[..8];
        await using (var scope = first.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            db.RecordTypePurges.Add(new RecordTypePurge { ModuleId = plugin, RecordType = "ghost", RequestedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        await Task.WhenAll(
            Task.Run(() => first.Services.GetRequiredService<RecordTypePurgeRunner>().RunAsync(CancellationToken.None)),
            Task.Run(() => second.Services.GetRequiredService<RecordTypePurgeRunner>().RunAsync(CancellationToken.None)));

        Assert.True(errors.Entries.IsEmpty, string.Join("\n", errors.Entries));
        Assert.Empty(await PendingAsync(first, plugin));
        Assert.Empty(await first.QueryRowsAsync($"SELECT id FROM {rights} WHERE entity_type = 'ghost'"));
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
