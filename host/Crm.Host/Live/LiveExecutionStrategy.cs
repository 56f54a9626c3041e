using Crm.PluginSdk.Live;
using GraphQL;
using GraphQL.Execution;
using ExecutionContext = GraphQL.Execution.ExecutionContext;

namespace Crm.Host.Live;

/// <summary>
/// GraphQL.NET's subscription execution, with live fields' events executed once per sharing key:
/// every subscriber of a live source gets the same <see cref="LiveEvent"/> for an item, and the
/// first subscriber of a <see cref="LiveSharing.Key"/> to reach it executes the selection and
/// serialises the result into the event; the others with that key send those bytes. Rights per
/// item are checked before, per subscriber (<see cref="LiveSubscription{TItem}"/>), and the key
/// holds the credential and rights, so a shared result only reaches subscribers who would have
/// computed the same. A result with errors is not shared (its messages name the subscriber's trace).
/// Events are executed in order, one at a time per subscription: the subscription waits for each.
/// </summary>
internal sealed class LiveExecutionStrategy(IExecutionStrategy nodes) : SubscriptionExecutionStrategy(nodes)
{
    private long _executions;

    /// <summary>Live events executed since start, shared or not (for tests: how much sharing saved).</summary>
    public long Executions => Interlocked.Read(ref _executions);

    protected override async Task<IObservable<ExecutionResult>?> ResolveResponseStreamAsync(ExecutionContext context, ExecutionNode node)
    {
        if (node.FieldDefinition?.Metadata.ContainsKey(LiveFields.MetadataKey) != true || node.FieldDefinition.StreamResolver is not { } resolver)
        {
            return await base.ResolveResponseStreamAsync(context, node);
        }

        context.CancellationToken.ThrowIfCancellationRequested();
        IObservable<object?> source;
        try
        {
            source = await resolver.ResolveAsync(new ReadonlyResolveFieldContext(node, context));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            context.Errors.Add(await ErrorAsync(context, node, exception, $"Could not resolve source stream for field '{node.Field.Name}'."));
            return null;
        }

        var sharing = context.RequestServices?.GetService<LiveSharing>();
        return new SharedStream(this, source, CloneExecutionContext(context, default), node, sharing?.Key, sharing?.Payload);
    }

    private async Task<ExecutionError> ErrorAsync(ExecutionContext context, ExecutionNode node, Exception exception, string message)
    {
        var error = exception as ExecutionError ?? await HandleExceptionAsync(context, node, exception, message);
        error.Path = node.ResponsePath;
        error.AddLocation(node.Field, context.Document);
        return error;
    }

    private async Task<ExecutionResult> ExecuteAsync(ExecutionContext preserved, ExecutionNode node, LiveEvent liveEvent, CancellationToken cancellationToken)
    {
        // A context per event, as GraphQL.NET's own strategy does: errors and pooled arrays are the execution's.
        Interlocked.Increment(ref _executions);
        using var context = CloneExecutionContext(preserved, cancellationToken);
        return await ProcessDataAsync(context, node, liveEvent);
    }

    private async Task<ExecutionError> ExecuteErrorAsync(ExecutionContext preserved, ExecutionNode node, Exception exception)
    {
        using var context = CloneExecutionContext(preserved, default);
        var error = await ProcessErrorAsync(context, node, exception);
        error.Path = node.ResponsePath;
        error.AddLocation(node.Field, context.Document);
        return error;
    }

    private sealed class SharedStream(
        LiveExecutionStrategy strategy,
        IObservable<object?> source,
        ExecutionContext preserved,
        ExecutionNode node,
        string? key,
        Func<ExecutionResult, string>? payload) : IObservable<ExecutionResult>
    {
        public IDisposable Subscribe(IObserver<ExecutionResult> observer) => source.Subscribe(new Observer(this, observer));

        /// <summary>The result of an event for this subscription: the bytes shared by its key when there are, else its own execution.</summary>
        private async Task<ExecutionResult> ResultAsync(LiveEvent liveEvent, CancellationToken cancellationToken)
        {
            if (key is not null && payload is not null)
            {
                string? shared;
                try
                {
                    shared = await SharedPayloadAsync(liveEvent, key, payload);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The subscription that executed it ended under it (its scope went): this one executes alone.
                    shared = null;
                }

                if (shared is not null)
                {
                    return new SerializedExecutionResult(shared);
                }
            }

            return await strategy.ExecuteAsync(preserved, node, liveEvent, cancellationToken);
        }

        private Task<ExecutionError> EndedAsync(Exception error) => strategy.ExecuteErrorAsync(preserved, node, error);

        /// <summary>The event's bytes for this key: executed by the first subscriber to ask, null when not shareable (errors).</summary>
        private Task<string?> SharedPayloadAsync(LiveEvent liveEvent, string sharedKey, Func<ExecutionResult, string> write) =>
            liveEvent.Payloads.GetOrAdd(sharedKey, _ => new Lazy<Task<string?>>(async () =>
            {
                // Not cancelled with the first subscriber: the others with its key wait for it too.
                var result = await strategy.ExecuteAsync(preserved, node, liveEvent, CancellationToken.None);
                return result.Errors is { Count: > 0 } ? null : write(result);
            })).Value;

        private sealed class Observer(SharedStream stream, IObserver<ExecutionResult> downstream) : ILiveEventObserver
        {
            public async Task OnNextAsync(LiveEvent liveEvent, CancellationToken cancellationToken)
            {
                var result = await stream.ResultAsync(liveEvent, cancellationToken);
                if (!cancellationToken.IsCancellationRequested)
                {
                    downstream.OnNext(result);
                }
            }

            public async Task OnErrorAsync(Exception error) => downstream.OnError(await stream.EndedAsync(error));

            // A live subscription waits for each event (OnNextAsync, OnErrorAsync); nothing else feeds this observer.
            public void OnNext(object? value) => throw new InvalidOperationException("Live events are delivered with OnNextAsync.");

            public void OnError(Exception error) => throw new InvalidOperationException("Live subscriptions end with OnErrorAsync.", error);

            public void OnCompleted() => downstream.OnCompleted();
        }
    }
}
