using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Crm.Host.Live;
using Crm.Host.Security;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQLParser.AST;

namespace Crm.Host.GraphQL.WebSockets;

/// <summary>
/// One socket speaking graphql-transport-ws (github.com/enisdenjo/graphql-ws, PROTOCOL.md):
/// <c>connection_init</c> with the credential, <c>connection_ack</c>, <c>ping</c>/<c>pong</c> both
/// ways, <c>subscribe</c> answered by <c>next</c>... <c>complete</c> or <c>error</c>, and the
/// protocol's close codes. Messages are handled one at a time, in order; operations run beside
/// the loop, each in a service scope of its own signed in as the socket's user; everything sent
/// goes through one queue, so that frames never interleave.
/// </summary>
internal sealed class GraphQLWebSocketConnection(
    WebSocket socket,
    HttpContext http,
    GraphQLExecution execution,
    IGraphQLTextSerializer serializer,
    BearerAuthenticator authenticator,
    WebSocketSessions sessions,
    GraphQLWebSocketOptions options,
    GraphQLEndpointOptions endpointOptions,
    ILogger logger)
{
    private const int MaxIdLength = 256;

    private readonly Channel<Outgoing> _outgoing = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(options.MaxQueuedMessages) { SingleReader = true });
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _operations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _connection = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
    private bool _initReceived;
    private string? _authorization;
    private long? _userId;
    private int _closing;

    private sealed record Outgoing(string? Text, WebSocketCloseStatus? Close = null, string? Reason = null);

    public async Task RunAsync()
    {
        var sender = Task.Run(SendLoopAsync);
        var initTimeout = Task.Run(CloseUnlessInitializedAsync);
        try
        {
            await ReceiveLoopAsync();
        }
        catch (OperationCanceledException) when (_connection.IsCancellationRequested)
        {
        }
        catch (WebSocketException)
        {
            // The client went away mid-frame.
        }
        finally
        {
            await _connection.CancelAsync();
            foreach (var operation in _operations.Values)
            {
                await operation.CancelAsync();
            }

            _outgoing.Writer.TryComplete();
            await sender;
            await initTimeout;
            if (_userId is { } user)
            {
                sessions.Close(user);
            }

        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            using var message = new MemoryStream();
            while (socket.State == WebSocketState.Open || socket.State == WebSocketState.CloseSent)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), _connection.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }

                    return;
                }

                if (Volatile.Read(ref _closing) == 1)
                {
                    continue; // closing: what comes until the client's close is ignored
                }

                if (message.Length + received.Count > options.MaxMessageBytes)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {options.MaxMessageBytes} bytes");
                    continue;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                if (received.MessageType != WebSocketMessageType.Text)
                {
                    await CloseAsync((WebSocketCloseStatus)4400, "Binary messages are not part of the protocol");
                }
                else
                {
                    await HandleAsync(message.GetBuffer().AsMemory(0, (int)message.Length));
                }

                message.SetLength(0);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> text)
    {
        JsonElement root;
        try
        {
            using var json = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            root = json.RootElement.Clone();
        }
        catch (JsonException)
        {
            await CloseAsync((WebSocketCloseStatus)4400, "Invalid message received: not JSON");
            return;
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            await CloseAsync((WebSocketCloseStatus)4400, "Invalid message received: no type");
            return;
        }

        var payload = root.TryGetProperty("payload", out var p) && p.ValueKind != JsonValueKind.Null ? p : (JsonElement?)null;
        switch (typeElement.GetString())
        {
            case "connection_init":
                await InitializeAsync(payload);
                break;
            case "ping":
                Send("""{"type":"pong"}""");
                break;
            case "pong":
                break;
            case "subscribe":
                await SubscribeAsync(root, payload);
                break;
            case "complete":
                if (Id(root) is { } id && _operations.TryRemove(id, out var operation))
                {
                    await operation.CancelAsync();
                }

                break;
            default:
                await CloseAsync((WebSocketCloseStatus)4400, "Invalid message received: unknown type");
                break;
        }
    }

    private async Task InitializeAsync(JsonElement? payload)
    {
        if (_initReceived)
        {
            await CloseAsync((WebSocketCloseStatus)4429, "Too many initialisation requests");
            return;
        }

        _initReceived = true;
        if (payload is { ValueKind: not JsonValueKind.Object })
        {
            await CloseAsync((WebSocketCloseStatus)4400, "Invalid message received: payload must be an object");
            return;
        }

        var authorization = Credential(payload) ?? http.Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            await CloseAsync((WebSocketCloseStatus)4403, "Forbidden: connection_init needs an API key or access token");
            return;
        }

        await using var scope = http.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var actor = scope.ServiceProvider.GetRequiredService<CurrentActor>();
        actor.CameFrom(http.Connection.RemoteIpAddress);
        if (await authenticator.SignInAsync(authorization, actor, scope.ServiceProvider, _connection.Token) is not null)
        {
            await CloseAsync((WebSocketCloseStatus)4403, "Forbidden");
            return;
        }

        if (!sessions.TryOpen(actor.UserId!.Value, options.MaxSocketsPerUser))
        {
            await CloseAsync(WebSocketCloseStatus.PolicyViolation, $"Too many sockets for this user (GraphQL:WebSocket:MaxSocketsPerUser {options.MaxSocketsPerUser})");
            return;
        }

        _userId = actor.UserId;
        _authorization = authorization;
        Send("""{"type":"connection_ack"}""");
        if (options.KeepAliveInterval > TimeSpan.Zero)
        {
            _ = Task.Run(KeepAliveAsync);
        }
    }

    /// <summary>The credential of <c>connection_init</c>'s payload: <c>Authorization</c> (as the HTTP header), or a bare <c>apiKey</c> or <c>token</c>.</summary>
    private static string? Credential(JsonElement? payload)
    {
        if (payload is not { } fields)
        {
            return null;
        }

        foreach (var (name, bare) in new[] { ("Authorization", false), ("authorization", false), ("apiKey", true), ("token", true) })
        {
            if (fields.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
            {
                return bare || !text.Contains(' ', StringComparison.Ordinal) ? "Bearer " + text : text;
            }
        }

        return null;
    }

    private async Task SubscribeAsync(JsonElement root, JsonElement? payload)
    {
        if (_authorization is null)
        {
            await CloseAsync((WebSocketCloseStatus)4401, "Unauthorized");
            return;
        }

        if (Id(root) is not { } id || payload is not { ValueKind: JsonValueKind.Object } body)
        {
            await CloseAsync((WebSocketCloseStatus)4400, "Invalid message received: subscribe needs an id and a payload");
            return;
        }

        if (_operations.ContainsKey(id))
        {
            await CloseAsync((WebSocketCloseStatus)4409, $"Subscriber for {id} already exists");
            return;
        }

        var (request, problem) = new GraphQLRequestReader(serializer, options.MaxMessageBytes).ReadObject(body);
        if (request is null)
        {
            SendErrors(id, GraphQLExecution.Refused("BAD_REQUEST", problem!));
            return;
        }

        if (_operations.Count >= options.MaxOperationsPerSocket)
        {
            SendErrors(id, GraphQLExecution.Refused(ErrorCodes.LimitExceeded,
                $"A socket runs at most {options.MaxOperationsPerSocket} operations at once (GraphQL:WebSocket:MaxOperationsPerSocket); complete one first."));
            return;
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(_connection.Token);
        _operations[id] = stop;
        var shape = Raw(body, "variables") + "\0" + Raw(body, "extensions");
        _ = Task.Run(() => RunOperationAsync(id, request, shape, stop));
    }

    private static string Raw(JsonElement body, string name) => body.TryGetProperty(name, out var value) ? value.GetRawText() : "";

    /// <param name="shape">The request's variables and extensions as sent: with the document, what a subscription's sharing key holds of the request.</param>
    private async Task RunOperationAsync(string id, GraphQLHttpRequest request, string shape, CancellationTokenSource stop)
    {
        var traceId = $"{http.TraceIdentifier}:{id}";
        try
        {
            await using var scope = http.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
            var services = scope.ServiceProvider;
            var actor = services.GetRequiredService<CurrentActor>();
            actor.CameFrom(http.Connection.RemoteIpAddress);
            // Signed in again for each operation: the rights of now, a key revoked since is refused.
            if (await authenticator.SignInAsync(_authorization!, actor, services, stop.Token) is { } refusal)
            {
                Release(id, stop);
                SendErrors(id, new ExecutionResult { Executed = false, Errors = [CrmAuthenticationHandler.Unauthenticated(refusal)] });
                return;
            }

            services.GetRequiredService<LiveSubscriberCredential>().Authorization = _authorization;
            var (prepared, refused) = execution.Prepare(request.Query, request.OperationName);
            if (prepared is null)
            {
                Release(id, stop);
                SendErrors(id, refused!);
                return;
            }

            var isSubscription = prepared.Operation?.Operation == OperationType.Subscription;
            if (isSubscription)
            {
                // Subscriptions with the same document, request and rights share each event's execution:
                // across users when it reads nothing of who the subscriber is, else per user and credential.
                var sharing = services.GetRequiredService<LiveSharing>();
                sharing.AcrossUsersKey = LiveSharing.AcrossUsersKeyOf(prepared.Schema, request.Query, request.OperationName, shape, actor);
                sharing.Key = LiveSharing.KeyOf(prepared.Schema, request.Query, request.OperationName, shape, _authorization!, actor);
                sharing.Payload = Payload;
            }

            // A query or mutation has the HTTP request's deadline; a subscription lives until completed.
            if (!isSubscription)
            {
                stop.CancelAfter(endpointOptions.RequestTimeout);
            }

            var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, actor.UserId!.Value.ToString(CultureInfo.InvariantCulture))], CrmAuthenticationHandler.SchemeName));
            var result = await execution.ExecuteAsync(prepared, request.Query, request.OperationName, request.Variables, request.Extensions, services, user, traceId, stop.Token);
            if (!result.Executed)
            {
                Release(id, stop);
                SendErrors(id, result);
                return;
            }

            if (result.Streams is not { Count: > 0 } streams)
            {
                if (isSubscription)
                {
                    // The source stream was refused (a bad cursor, say): nothing will follow.
                    Release(id, stop);
                    SendErrors(id, result);
                    return;
                }

                SendNext(id, result);
                Release(id, stop);
                Send(Message(id, "complete"));
                return;
            }

            // One root field per subscription (validation says so): its stream until the client completes it or it ends.
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = streams.Values.First().Subscribe(new StreamObserver(this, id, stop, traceId, ended));
            using var cancelled = stop.Token.Register(() => ended.TrySetResult());
            await ended.Task;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Not when the client completed it (which released it already).
            if (!_connection.IsCancellationRequested && Release(id, stop))
            {
                SendErrors(id, GraphQLExecution.Refused(ErrorCodes.LimitExceeded,
                    $"The operation did not finish within {endpointOptions.RequestTimeout} (GraphQL:RequestTimeout); its work was stopped."));
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "A WebSocket operation failed (trace {TraceId}).", traceId);
            Release(id, stop);
            SendErrors(id, GraphQLExecution.Refused(ErrorCodes.Internal, $"Internal error (trace {traceId}); the server log has the details."));
        }
        finally
        {
            Release(id, stop);
            stop.Dispose();
        }
    }

    /// <summary>
    /// Frees the operation's id, before its last message (<c>complete</c> or <c>error</c>) is sent: a
    /// client may use the id again as soon as it reads that message, as the protocol allows, and
    /// must not find it taken. Only this operation's entry goes (the id may be another's by now).
    /// False when it was no longer there (the client completed it).
    /// </summary>
    private bool Release(string id, CancellationTokenSource stop) =>
        _operations.TryRemove(new KeyValuePair<string, CancellationTokenSource>(id, stop));


    private sealed class StreamObserver(GraphQLWebSocketConnection connection, string id, CancellationTokenSource stop, string traceId, TaskCompletionSource ended) : IObserver<ExecutionResult>
    {
        private readonly string _prefix = NextPrefix(id);

        public void OnNext(ExecutionResult value)
        {
            if (value is SerializedExecutionResult shared)
            {
                connection.SendPayload(_prefix, shared.Payload);
                return;
            }

            GraphQLErrorShaping.Normalize(value, traceId);
            connection.SendNext(id, value);
        }

        public void OnError(Exception error)
        {
            var result = error is ExecutionError known
                ? new ExecutionResult { Executed = false, Errors = [known] }
                : GraphQLExecution.Refused(ErrorCodes.Internal, $"Internal error (trace {traceId}); the server log has the details.");
            GraphQLErrorShaping.Normalize(result, traceId);
            connection.Release(id, stop);
            connection.SendErrors(id, result);
            ended.TrySetResult();
        }

        public void OnCompleted()
        {
            if (connection.Release(id, stop))
            {
                connection.Send(Message(id, "complete"));
            }

            ended.TrySetResult();
        }
    }

    private static string? Id(JsonElement root) =>
        root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 and <= MaxIdLength } text ? text : null;

    private static string Message(string id, string type) => new JsonObject { ["id"] = id, ["type"] = type }.ToJsonString();

    /// <summary>A <c>next</c> with the result, or, when the result is larger than GraphQL:MaxResponseBytes, with a LIMIT_EXCEEDED error in its place.</summary>
    private void SendNext(string id, ExecutionResult result) => SendPayload(NextPrefix(id), Payload(result));

    /// <summary>A <c>next</c> message of an operation up to its payload: made once per subscription, not per event.</summary>
    private static string NextPrefix(string id)
    {
        var prefix = new JsonObject { ["id"] = id, ["type"] = "next" }.ToJsonString();
        return string.Concat(prefix.AsSpan(0, prefix.Length - 1), ",\"payload\":");
    }

    private void SendPayload(string prefix, string payload) => Send(string.Concat(prefix, payload, "}"));

    /// <summary>The result as a <c>next</c> message's payload: when larger than GraphQL:MaxResponseBytes, a LIMIT_EXCEEDED error in its place.</summary>
    private string Payload(ExecutionResult result)
    {
        var limit = endpointOptions.MaxResponseBytes;
        using var buffer = new CappedBuffer(limit);
        try
        {
            serializer.WriteAsync(buffer, result).GetAwaiter().GetResult();
        }
        catch (CappedBuffer.FullException)
        {
            buffer.SetLength(0);
            serializer.WriteAsync(buffer, GraphQLExecution.Refused(ErrorCodes.LimitExceeded,
                $"The result is larger than {limit} bytes (GraphQL:MaxResponseBytes); ask for fewer records or fields.")).GetAwaiter().GetResult();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>An <c>error</c>: the operation ended before it could run, with its GraphQL errors.</summary>
    private void SendErrors(string id, ExecutionResult result)
    {
        var errors = JsonNode.Parse(serializer.Serialize(result))?["errors"]?.DeepClone() ?? new JsonArray();
        Send(new JsonObject { ["id"] = id, ["type"] = "error", ["payload"] = errors }.ToJsonString());
    }

    private void Send(string text)
    {
        if (!_outgoing.Writer.TryWrite(new Outgoing(text)) && !_connection.IsCancellationRequested)
        {
            // The client does not read what it asked for: it gets no more.
            _ = CloseAsync(WebSocketCloseStatus.PolicyViolation, $"Too many messages waiting (GraphQL:WebSocket:MaxQueuedMessages {options.MaxQueuedMessages})");
        }
    }

    /// <summary>Closes with <paramref name="code"/> (after what is queued when there is room, at once otherwise), then waits a moment for the client's close.</summary>
    private async Task CloseAsync(WebSocketCloseStatus code, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        foreach (var operation in _operations.Values)
        {
            await operation.CancelAsync();
        }

        if (!_outgoing.Writer.TryWrite(new Outgoing(null, code, reason)))
        {
            await SendCloseAsync(code, reason);
        }

        _outgoing.Writer.TryComplete();
        // A client that never answers the close does not keep the socket.
        _connection.CancelAfter(TimeSpan.FromSeconds(5));
    }

    private async Task SendCloseAsync(WebSocketCloseStatus code, string reason)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(code, reason, _connection.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(_connection.Token))
            {
                if (message.Close is { } code)
                {
                    await SendCloseAsync(code, message.Reason!);
                    return;
                }

                if (socket.State != WebSocketState.Open)
                {
                    continue;
                }

                await socket.SendAsync(Encoding.UTF8.GetBytes(message.Text!), WebSocketMessageType.Text, endOfMessage: true, _connection.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away: the receive loop ends too.
        }
    }

    private async Task CloseUnlessInitializedAsync()
    {
        try
        {
            await Task.Delay(options.ConnectionInitTimeout, _connection.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (_authorization is null && !_initReceived)
        {
            await CloseAsync((WebSocketCloseStatus)4408, "Connection initialisation timeout");
        }
    }

    private async Task KeepAliveAsync()
    {
        using var timer = new PeriodicTimer(options.KeepAliveInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_connection.Token))
            {
                Send("""{"type":"ping"}""");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
