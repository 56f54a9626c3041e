using System.Globalization;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.Options;

namespace Crm.Host.Events;

/// <summary>
/// One attempt of one handler on one event, or of a batch handler on a batch of events: in a scope
/// of its own, as the system, bounded by <c>Events:HandlerTimeout</c> (the same for a batch as for
/// one event). Whatever the handler does (throws, hangs, cannot even be made) ends as an error text
/// for that attempt alone.
/// </summary>
public sealed class EventHandlerRunner(Modules.Runtime.RuntimePlugins plugins, IOptions<OutboxOptions> options, TimeProvider clock, ILogger<EventHandlerRunner> logger)
{
    /// <summary>Null when the handler succeeded, else why not. Throws only when <paramref name="stopping"/> is cancelled.</summary>
    public Task<string?> RunAsync(EventSubscription handler, StoredEvent storedEvent, CancellationToken stopping) =>
        RunAsync(handler, [storedEvent], stopping);

    /// <summary>
    /// Hands <paramref name="events"/> (in order, not empty) to the handler: a batch handler in one
    /// call per run of one event type, an ordinary one event by event. Null when all succeeded, else
    /// why not. Throws only when <paramref name="stopping"/> is cancelled.
    /// </summary>
    public async Task<string?> RunAsync(EventSubscription handler, IReadOnlyList<StoredEvent> events, CancellationToken stopping)
    {
        var timeout = options.Value.HandlerTimeout;
        using var deadline = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
        // Reaching the plugins loaded at run time: a handler may load a record of their types.
        var scope = plugins.Scopes.CreateSystemScope();
        Task? work = null;
        try
        {
            var instance = scope.ServiceProvider.GetRequiredService(handler.HandlerType);
            work = handler.InvokeAsync(instance, events, linked.Token);
            // A handler that ignores its token is not waited for beyond the timeout either.
            await work.WaitAsync(timeout, clock, stopping);
            return null;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var timedOut = ex is TimeoutException || (ex is OperationCanceledException && deadline.IsCancellationRequested);
            var error = timedOut
                ? string.Create(CultureInfo.InvariantCulture, $"The handler did not finish within {timeout} (Events:HandlerTimeout).")
                : $"{ex.GetType().FullName}: {ex.Message}";
            var first = events[0];
            if (events.Count == 1)
            {
                logger.LogWarning(timedOut ? null : ex, "The event handler {Handler} failed on {Type} {EventId} of {EntityType} {EntityId}: {Error}",
                    handler.Name, first.Type, first.Id, first.EntityType, first.EntityId, error);
            }
            else
            {
                logger.LogWarning(timedOut ? null : ex, "The event handler {Handler} failed on a batch of {Count} events from {EventId}: {Error}",
                    handler.Name, events.Count, first.Id, error);
            }

            return error.Length > EventDelivery.MaxErrorLength ? error[..EventDelivery.MaxErrorLength] : error;
        }
        finally
        {
            if (work is { IsCompleted: false })
            {
                // Still running past its timeout: its scope goes when it ends, not under it.
                _ = work.ContinueWith(_ => scope.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
            else
            {
                scope.Dispose();
            }
        }
    }
}
