namespace Crm.Host.GraphQL.WebSockets;

/// <summary>The <c>GraphQL:WebSocket</c> section: the limits of the graphql-transport-ws endpoint (see README, "Subscriptions").</summary>
public sealed class GraphQLWebSocketOptions
{
    /// <summary>How long a new socket may take to send <c>connection_init</c>; then it is closed with 4408.</summary>
    public TimeSpan ConnectionInitTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The largest message a client may send, in bytes; a larger one closes the socket with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 262_144;

    /// <summary>The operations (subscriptions, queries in flight) one socket may run at once; one more is answered with an <c>error</c> (LIMIT_EXCEEDED).</summary>
    public int MaxOperationsPerSocket { get; set; } = 100;

    /// <summary>The sockets one user (all their keys and tokens) may hold open on a host; one more is closed with 1008 after its <c>connection_init</c>.</summary>
    public int MaxSocketsPerUser { get; set; } = 20;

    /// <summary>Messages waiting to be sent to one socket (a client that does not read); more closes it with 1008.</summary>
    public int MaxQueuedMessages { get; set; } = 1_000;

    /// <summary>How often the server sends <c>ping</c> to an acknowledged socket (so that proxies keep it open); zero sends none.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<string> Problems()
    {
        if (ConnectionInitTimeout <= TimeSpan.Zero)
        {
            yield return "GraphQL:WebSocket:ConnectionInitTimeout must be positive.";
        }

        if (MaxMessageBytes < 1024 || MaxOperationsPerSocket < 1 || MaxSocketsPerUser < 1 || MaxQueuedMessages < 10)
        {
            yield return "GraphQL:WebSocket limits are too small: MaxMessageBytes at least 1024, MaxOperationsPerSocket and MaxSocketsPerUser at least 1, MaxQueuedMessages at least 10.";
        }

        if (KeepAliveInterval < TimeSpan.Zero)
        {
            yield return "GraphQL:WebSocket:KeepAliveInterval must be zero (off) or positive.";
        }
    }
}

/// <summary>The open sockets of each user on this host, for <see cref="GraphQLWebSocketOptions.MaxSocketsPerUser"/>.</summary>
public sealed class WebSocketSessions
{
    private readonly Dictionary<long, int> _open = [];

    public bool TryOpen(long userId, int limit)
    {
        lock (_open)
        {
            var count = _open.GetValueOrDefault(userId);
            if (count >= limit)
            {
                return false;
            }

            _open[userId] = count + 1;
            return true;
        }
    }

    public void Close(long userId)
    {
        lock (_open)
        {
            if (_open.TryGetValue(userId, out var count) && count > 1)
            {
                _open[userId] = count - 1;
            }
            else
            {
                _open.Remove(userId);
            }
        }
    }

    /// <summary>The sockets open now, of every user (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_open)
            {
                return _open.Values.Sum();
            }
        }
    }
}
