using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Live;
using GraphQL;
using GraphQL.Execution;
using ExecutionContext = GraphQL.Execution.ExecutionContext;

namespace Crm.Host.Live;

/// <summary>
/// GraphQL.NET's subscription execution, with live fields' events executed once per sharing key:
/// every subscriber of a live source gets the same <see cref="LiveEvent"/> for an item, and the
/// first subscriber of a key to reach it executes the selection and serialises the result into the
/// event; the others with that key send those bytes. Two keys, tried in turn (<see cref="LiveSharing"/>):
/// the one shared across users (document and rights by value, no identity), whose execution runs in
/// a scope of its own and counts only when it read nothing of who the subscriber is
/// (<see cref="IdentityReads"/>); else the subscriber's own (its user and credential too). Rights per
/// item are checked before, per subscriber (<see cref="LiveSubscription{TItem}"/>). A result with
/// errors is not shared (its messages name the subscriber's trace). Events are executed in order,
/// one at a time per subscription: the subscription waits for each.
/// </summary>
internal sealed class LiveExecutionStrategy(IExecutionStrategy nodes) : SubscriptionExecutionStrategy(nodes)
{
    private long _executions;
    private long _identityBound;

    /// <summary>Live events executed since start, shared or not (for tests: how much sharing saved).</summary>
    public long Executions => Interlocked.Read(ref _executions);

    /// <summary>Executions shared across users that read the subscriber's identity, so were not shared across users (for tests).</summary>
    public long IdentityBoundExecutions => Interlocked.Read(ref _identityBound);

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
        return new SharedStream(this, source, CloneExecutionContext(context, default), node, sharing?.AcrossUsersKey, sharing?.Key, sharing?.Payload);
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
        // The subscription's scope lives as long as it does: what an earlier event's batch loaders
        // read (a record, its users) would otherwise be shown again, stale, and pile up.
        preserved.RequestServices?.GetService<BatchLoaderScope>()?.Clear();
        using var context = CloneExecutionContext(preserved, cancellationToken);
        return await ProcessDataAsync(context, node, liveEvent);
    }

    /// <summary>
    /// Executes an event in a scope of its own, signed in as the subscriber, and says whether the
    /// execution read the subscriber's identity. The scope is new so that nothing in it (batch
    /// loaders' results, say) was computed from the identity before the reads are tracked.
    /// </summary>
    private async Task<(ExecutionResult Result, bool IdentityRead)> ExecuteApartAsync(ExecutionContext preserved, ExecutionNode node, LiveEvent liveEvent)
    {
        var subscriber = preserved.RequestServices ?? throw new InvalidOperationException("A live subscription runs with its request's services.");
        await using var scope = subscriber.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        LiveScopes.CopySubscriber(subscriber, scope.ServiceProvider);
        var reads = IdentityReads.Track();
        Interlocked.Increment(ref _executions);
        using var context = CloneExecutionContext(preserved, CancellationToken.None);
        context.RequestServices = scope.ServiceProvider;
        context.User = context.User is { } user ? new IdentityNotingPrincipal(user) : null;
        var result = await ProcessDataAsync(context, node, liveEvent);
        if (reads.Any)
        {
            Interlocked.Increment(ref _identityBound);
        }

        return (result, reads.Any);
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
        string? acrossUsersKey,
        string? key,
        Func<ExecutionResult, string>? payload) : IObservable<ExecutionResult>
    {
        public IDisposable Subscribe(IObserver<ExecutionResult> observer) => source.Subscribe(new Observer(this, observer));

        /// <summary>The result of an event for this subscription: the bytes shared across users, else by its own key, else its own execution.</summary>
        private async Task<ExecutionResult> ResultAsync(LiveEvent liveEvent, CancellationToken cancellationToken)
        {
            if (payload is not null)
            {
                if (acrossUsersKey is not null && await SharedAsync(() => AcrossUsersPayloadAsync(liveEvent, acrossUsersKey, payload), cancellationToken) is { } acrossUsers)
                {
                    return new SerializedExecutionResult(acrossUsers);
                }

                if (key is not null && await SharedAsync(() => SharedPayloadAsync(liveEvent, key, payload), cancellationToken) is { } shared)
                {
                    return new SerializedExecutionResult(shared);
                }
            }

            return await strategy.ExecuteAsync(preserved, node, liveEvent, cancellationToken);
        }

        private static async Task<string?> SharedAsync(Func<Task<string?>> shared, CancellationToken cancellationToken)
        {
            try
            {
                return await shared();
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The subscription that executed it ended under it (its scope went): this one executes alone.
                return null;
            }
        }

        private Task<ExecutionError> EndedAsync(Exception error) => strategy.ExecuteErrorAsync(preserved, node, error);

        /// <summary>
        /// The event's bytes for every subscriber with this document and rights, whoever they are:
        /// executed by the first to ask, in a scope of its own. Null when they read the subscriber's
        /// identity (the bytes then go to the subscriber's own key only) or have errors.
        /// </summary>
        private Task<string?> AcrossUsersPayloadAsync(LiveEvent liveEvent, string sharedKey, Func<ExecutionResult, string> write) =>
            liveEvent.Payloads.GetOrAdd(sharedKey, _ => new Lazy<Task<string?>>(async () =>
            {
                var (result, identityRead) = await strategy.ExecuteApartAsync(preserved, node, liveEvent);
                if (result.Errors is { Count: > 0 })
                {
                    return null;
                }

                var bytes = write(result);
                if (!identityRead)
                {
                    return bytes;
                }

                // Its own key's subscribers may have it: added before the others learn they must look there.
                if (key is not null)
                {
                    liveEvent.Payloads.TryAdd(key, new Lazy<Task<string?>>(Task.FromResult<string?>(bytes)));
                }

                return null;
            })).Value;

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
