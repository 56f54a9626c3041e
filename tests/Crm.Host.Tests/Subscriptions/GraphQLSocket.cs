using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Crm.Host.Tests.Subscriptions;

/// <summary>A graphql-transport-ws client over the in-process host's WebSocket, as tests drive it.</summary>
public sealed class GraphQLSocket : IAsyncDisposable
{
    public const string Protocol = "graphql-transport-ws";

    // A safeguard against a hang, never a measure: a test waits for what must come.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly WebSocket _socket;

    private GraphQLSocket(WebSocket socket) => _socket = socket;

    /// <summary>The close code the server sent, once it closed.</summary>
    public int? CloseCode => (int?)_socket.CloseStatus;

    public string? CloseReason => _socket.CloseStatusDescription;

    public static async Task<GraphQLSocket> ConnectAsync(WebApplicationFactory<Program> host, string? protocol = Protocol)
    {
        var client = host.Server.CreateWebSocketClient();
        if (protocol is not null)
        {
            client.SubProtocols.Add(protocol);
        }

        var uri = new UriBuilder(host.Server.BaseAddress) { Scheme = "ws", Path = "/graphql" }.Uri;
        return new GraphQLSocket(await client.ConnectAsync(uri, CancellationToken.None));
    }

    /// <summary>Connects and signs in with <paramref name="apiKey"/>; fails unless acknowledged.</summary>
    public static async Task<GraphQLSocket> OpenAsync(WebApplicationFactory<Program> host, string apiKey = CrmHost.AdminKey)
    {
        var socket = await ConnectAsync(host);
        await socket.SendAsync(new { type = "connection_init", payload = new { Authorization = $"Bearer {apiKey}" } });
        var ack = await socket.ReceiveAsync();
        Assert.True(ack?["type"]?.GetValue<string>() == "connection_ack", $"Expected connection_ack, got {ack?.ToJsonString() ?? $"close {socket.CloseCode} {socket.CloseReason}"}");
        return socket;
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public async Task SendTextAsync(string text) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public Task SubscribeAsync(string id, string query, object? variables = null) =>
        SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    /// <summary>The next message (server pings are answered and skipped); null when the server closed.</summary>
    public async Task<JsonObject?> ReceiveAsync()
    {
        using var patience = new CancellationTokenSource(Patience);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                try
                {
                    received = await _socket.ReceiveAsync(buffer, patience.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new Xunit.Sdk.XunitException($"Nothing came from the server within {Patience}.");
                }

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            var json = JsonNode.Parse(message.ToArray())!.AsObject();
            if (json["type"]?.GetValue<string>() == "ping")
            {
                await SendAsync(new { type = "pong" });
                continue;
            }

            return json;
        }
    }

    /// <summary>Reads until the server closes, failing on anything but what <paramref name="allowed"/> lets by; returns the close code.</summary>
    public async Task<int> ClosedAsync(Func<JsonObject, bool>? allowed = null)
    {
        while (await ReceiveAsync() is { } message)
        {
            Assert.True(allowed?.Invoke(message) == true, $"Expected the socket to close, got {message.ToJsonString()}");
        }

        return CloseCode ?? throw new Xunit.Sdk.XunitException("The server ended without a close code.");
    }

    /// <summary>The next message of operation <paramref name="id"/>, others failing the test.</summary>
    public async Task<JsonObject> ReceiveForAsync(string id)
    {
        var message = await ReceiveAsync() ?? throw new Xunit.Sdk.XunitException($"The server closed ({CloseCode} {CloseReason}) while '{id}' waited.");
        Assert.True(message["id"]?.GetValue<string>() == id, $"Expected a message for '{id}', got {message.ToJsonString()}");
        return message;
    }

    /// <summary>The next <c>next</c> of <paramref name="id"/>: its payload's data.</summary>
    public async Task<JsonNode> NextDataAsync(string id)
    {
        var message = await ReceiveForAsync(id);
        Assert.True(message["type"]!.GetValue<string>() == "next" && message["payload"]?["errors"] is null, $"Expected next with data, got {message.ToJsonString()}");
        return message["payload"]!["data"]!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            catch (WebSocketException)
            {
            }
        }

        _socket.Dispose();
    }
}
