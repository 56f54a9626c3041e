using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Scheduling;
using Crm.Tests.SamplePlugin.Faults;
using Microsoft.Extensions.Hosting;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>How often <see cref="QuotePing"/> ran in this process (this copy of the plugin).</summary>
public sealed class QuotePingsSeen : ISingletonService
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}

/// <summary>The plugin's scheduled work: notes each run (the tests see through it that work of a plugin loaded at run time fires).</summary>
[ScheduledWorkHandler("ping")]
public sealed class QuotePing(QuotePingsSeen seen) : IScheduledWorkHandler
{
    public const string Handler = SamplePluginModule.Id + "/ping";

    public const string Key = "every";

    public Task HandleAsync(ScheduledWork work, CancellationToken cancellationToken)
    {
        seen.Add();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Schedules <see cref="QuotePing"/> on the CRON a test names (<c>pingCron</c> in faults.json; none
/// without it) once the host has started, as a module schedules its recurring work at every start:
/// from a background service (a start-up task runs in a transaction, and the scheduler writes through
/// connections of its own, which on SQLite would wait for it), under one key, so that every host
/// scheduling it again replaces the one piece of work rather than adding another.
/// </summary>
public sealed class QuotePingSchedule(IWorkScheduler scheduler, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (FaultSettings.Current.PingCron is not { } cron)
        {
            return;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        await scheduler.ScheduleRecurringAsync(QuotePing.Handler, QuotePing.Key, cron, "", stoppingToken);
    }
}
