using Crm.Host.Modules;
using Crm.PluginSdk.Scheduling;
using Crm.PluginSdk.Security;
using Quartz;
using Quartz.Extensibility;

namespace Crm.Host.Scheduling;

/// <summary>
/// The one Quartz job of the platform: runs the handler its work names, in a scope of its own, as the
/// system. A handler that is not there (its module removed or failed) is logged and its work dropped
/// (one of a disabled module waits, see <see cref="HoldAsync"/>);
/// a handler that throws is logged, and its work is not run again (handlers keep their own state and
/// retries, see <see cref="IScheduledWorkHandler"/>).
/// </summary>
internal sealed class ScheduledWorkJob(IServiceProvider services) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var handlerName = context.JobDetail.Key.Group;
        var key = context.JobDetail.Key.Name;
        var logger = services.GetRequiredService<ILogger<ScheduledWorkJob>>();
        var registration = services.GetRequiredService<ScheduledWorkHandlers>().Find(handlerName);
        var catalog = services.GetRequiredService<ModuleCatalog>();
        if (registration is not null && catalog.Find(registration.ModuleId) is { State: ModuleState.Disabled })
        {
            await HoldAsync(context, registration, key, logger, cancellationToken);
            return;
        }

        if (registration is null || (catalog.Find(registration.ModuleId) is { } module && !catalog.InService(module)))
        {
            logger.LogWarning("Scheduled work {Key} names the handler {Handler}, which this host does not have (its module is missing or out of service): dropped.", key, handlerName);
            return;
        }

        var work = new ScheduledWork(
            handlerName,
            key,
            context.ScheduledFireTimeUtc ?? context.FireTimeUtc,
            context.MergedJobDataMap.GetString(WorkScheduler.PayloadKey) ?? "",
            // Recovering: a host died while running it, and this host runs it again.
            1 + (context.Recovering ? 1 : 0) + context.RefireCount);
        try
        {
            // A scope that reaches the plugins loaded at run time too: a handler of one is its container's.
            using var scope = services.GetRequiredService<Modules.Runtime.RuntimePlugins>().Scopes.CreateSystemScope();
            var handler = (IScheduledWorkHandler)scope.ServiceProvider.GetRequiredService(registration.HandlerType);
            await handler.HandleAsync(work, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Scheduled work {Key} of {Handler} was stopped with the host.", key, handlerName);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Scheduled work {Key} of {Handler} failed (attempt {Attempt}).", key, handlerName, work.Attempt);
        }
    }

    /// <summary>How long work of a disabled module waits before it is looked at again.</summary>
    internal static readonly TimeSpan HeldRecheck = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Its module is disabled: one-off work is put off (<see cref="HeldRecheck"/>) until the module
    /// is back, not lost; a recurring occurrence is skipped, and the next one comes as scheduled.
    /// </summary>
    private async Task HoldAsync(IJobExecutionContext context, ScheduledWorkHandlerRegistration registration, string key, ILogger logger, CancellationToken cancellationToken)
    {
        if (context.NextFireTimeUtc is not null)
        {
            logger.LogInformation("Scheduled work {Key} of {Handler} is skipped this time: its module is disabled.", key, registration.Name);
            return;
        }

        var later = DateTimeOffset.UtcNow + HeldRecheck;
        await services.GetRequiredService<WorkScheduler>().ScheduleAsync(registration.Name, key, later,
            context.MergedJobDataMap.GetString(WorkScheduler.PayloadKey) ?? "", cancellationToken);
        logger.LogInformation("Scheduled work {Key} of {Handler} is put off to {Later}: its module is disabled.", key, registration.Name, later);
    }
}

/// <summary>Makes <see cref="ScheduledWorkJob"/> with the host's services (Quartz's own container is not the host's).</summary>
internal sealed class ScheduledWorkJobFactory(IServiceProvider services) : IJobFactory
{
    public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new JobScope(new ScheduledWorkJob(services), null));

    public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
