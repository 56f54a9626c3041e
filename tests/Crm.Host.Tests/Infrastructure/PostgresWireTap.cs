using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// A TCP relay between a host and its PostgreSQL server that counts how often a piece of SQL
/// crosses the wire from the host: what EF Core's command log cannot show, such as the
/// <c>DISCARD ALL</c> Npgsql sends by itself when a pooled connection is reused.
/// </summary>
public sealed class PostgresWireTap : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _serverHost;
    private readonly int _serverPort;
    private readonly byte[] _needle;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly Task _accepting;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _seenByConnection = new();
    private int _seen;
    private int _connections;

    public PostgresWireTap(string connectionString, string needle)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        _serverHost = target.Host ?? "127.0.0.1";
        _serverPort = target.Port;
        _needle = Encoding.UTF8.GetBytes(needle);
        _listener.Start();
        // Plain text, so that the statements can be read on their way.
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Host = "127.0.0.1",
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port,
            SslMode = SslMode.Disable,
        }.ConnectionString;
        _accepting = AcceptAsync();
    }

    /// <summary>The same database, reached through the tap.</summary>
    public string ConnectionString { get; }

    /// <summary>How often the SQL was sent since the last <see cref="Reset"/>.</summary>
    public int Seen => Volatile.Read(ref _seen);

    /// <summary>How often the SQL was sent on each connection that sent it since the last <see cref="Reset"/>.</summary>
    public IReadOnlyList<int> SeenByConnection => [.. _seenByConnection.Values];

    public void Reset()
    {
        Interlocked.Exchange(ref _seen, 0);
        _seenByConnection.Clear();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                }

                try
                {
                    await server.ConnectAsync(_serverHost, _serverPort, _stop.Token);
                    _ = RelayAsync(client.GetStream(), server.GetStream(), count: Interlocked.Increment(ref _connections));
                    _ = RelayAsync(server.GetStream(), client.GetStream(), count: null);
                }
                catch (Exception ex) when (ex is InvalidOperationException or SocketException && !_stop.IsCancellationRequested)
                {
                    // This connection closed before its relay began (the host stopping as it opened it): the next one is served.
                    client.Dispose();
                    server.Dispose();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped.
        }
    }

    /// <param name="count">The connection's number when this direction (client to server) is searched; null for the answers.</param>
    private async Task RelayAsync(NetworkStream from, NetworkStream to, int? count)
    {
        var buffer = new byte[64 * 1024];
        // The end of the previous read, so that a needle split across two reads is still found.
        var carry = Array.Empty<byte>();
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (count is { } connection)
                {
                    var window = carry.Concat(buffer.Take(read)).ToArray();
                    for (var at = window.AsSpan().IndexOf(_needle); at >= 0;)
                    {
                        Interlocked.Increment(ref _seen);
                        _seenByConnection.AddOrUpdate(connection, 1, (_, seen) => seen + 1);
                        var next = window.AsSpan(at + 1).IndexOf(_needle);
                        at = next < 0 ? -1 : at + 1 + next;
                    }

                    carry = window.Length < _needle.Length - 1 ? window : window[^(_needle.Length - 1)..];
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Either side closed.
        }
        finally
        {
            try
            {
                to.Socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_sockets)
        {
            _sockets.ForEach(s => s.Dispose());
        }

        _stop.Dispose();
    }
}
