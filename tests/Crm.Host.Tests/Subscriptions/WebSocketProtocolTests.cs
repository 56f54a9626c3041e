using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Subscriptions;

/// <summary>graphql-transport-ws on /graphql: the handshake, queries and mutations over the socket, the protocol's close codes and the socket's limits.</summary>
public abstract class WebSocketProtocolTests(SubscriptionHost fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task The_handshake_ping_and_a_query_and_a_mutation_run_over_the_socket()
    {
        await using var socket = await GraphQLSocket.OpenAsync(Host);
        await socket.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await socket.ReceiveAsync())!["type"]!.GetValue<string>());

        var title = Records.NewMarker("Socket");
        await socket.SubscribeAsync("m", "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id title } errors { code } } }", new { input = new { title } });
        var created = await socket.NextDataAsync("m");
        Assert.Equal(title, created["createQuote"]!["quote"]!["title"]!.GetValue<string>());
        Assert.Equal("complete", (await socket.ReceiveForAsync("m"))["type"]!.GetValue<string>());

        await socket.SubscribeAsync("q", "query($where: QuoteFilterInput) { quotes(where: $where) { totalCount nodes { title } } }", new { where = new { title = new { eq = title } } });
        var found = await socket.NextDataAsync("q");
        Assert.Equal(1, found["quotes"]!["totalCount"]!.GetValue<int>());
        Assert.Equal("complete", (await socket.ReceiveForAsync("q"))["type"]!.GetValue<string>());

        // Errors are shaped as over HTTP: a document that does not validate never runs.
        await socket.SubscribeAsync("bad", "{ quotes { noSuchField } }");
        var error = await socket.ReceiveForAsync("bad");
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.Equal("VALIDATION", error["payload"]![0]!["extensions"]!["code"]!.GetValue<string>());

        // A subscription whose source refuses its arguments ends at once with an error.
        await socket.SubscribeAsync("cursor", QuoteNotes.Subscription, new { after = "not-a-cursor" });
        var refused = await socket.ReceiveForAsync("cursor");
        Assert.Equal("error", refused["type"]!.GetValue<string>());
        Assert.Equal("INVALID_CURSOR", refused["payload"]![0]!["extensions"]!["code"]!.GetValue<string>());

        // The id can be used again once its operation is complete; the socket is still open.
        await socket.SubscribeAsync("q", "{ quotes(first: 1) { totalCount } }");
        Assert.NotNull((await socket.NextDataAsync("q"))["quotes"]);
    }

    [Fact]
    public async Task The_depth_limit_applies_to_documents_sent_over_the_socket()
    {
        await using var socket = await GraphQLSocket.OpenAsync(Host);
        // Refused by its shape, before validation, as over HTTP.
        var deep = "{ " + string.Concat(Enumerable.Repeat("a { ", 100)) + "b" + string.Concat(Enumerable.Repeat(" }", 100)) + " }";
        await socket.SubscribeAsync("deep", deep);
        var error = await socket.ReceiveForAsync("deep");
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.Equal("LIMIT_EXCEEDED", error["payload"]![0]!["extensions"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscription_sent_over_HTTP_is_refused_before_it_runs()
    {
        var response = await Host.QueryAsync(QuoteNotes.Subscription);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        Assert.Equal(0, response.Statements);
    }

    [Fact]
    public async Task A_socket_without_the_subprotocol_is_refused_before_the_upgrade()
    {
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => GraphQLSocket.ConnectAsync(Host, protocol: null));
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => GraphQLSocket.ConnectAsync(Host, protocol: "graphql-ws"));
    }

    [Fact]
    public async Task Unauthenticated_and_misbehaving_sockets_are_closed_with_the_protocols_codes()
    {
        await using (var early = await GraphQLSocket.ConnectAsync(Host))
        {
            await early.SubscribeAsync("1", "{ quotes { totalCount } }");
            Assert.Equal(4401, await early.ClosedAsync());
        }

        await using (var wrongKey = await GraphQLSocket.ConnectAsync(Host))
        {
            await wrongKey.SendAsync(new { type = "connection_init", payload = new { Authorization = "Bearer no-such-key-0123456789" } });
            Assert.Equal(4403, await wrongKey.ClosedAsync());
        }

        await using (var noKey = await GraphQLSocket.ConnectAsync(Host))
        {
            await noKey.SendAsync(new { type = "connection_init" });
            Assert.Equal(4403, await noKey.ClosedAsync());
        }

        await using (var twice = await GraphQLSocket.OpenAsync(Host))
        {
            await twice.SendAsync(new { type = "connection_init", payload = new { Authorization = $"Bearer {CrmHost.AdminKey}" } });
            Assert.Equal(4429, await twice.ClosedAsync());
        }

        await using (var duplicate = await GraphQLSocket.OpenAsync(Host))
        {
            await duplicate.SubscribeAsync("same", QuoteNotes.Subscription);
            await duplicate.SubscribeAsync("same", QuoteNotes.Subscription);
            Assert.Equal(4409, await duplicate.ClosedAsync());
        }

        foreach (var garbage in new[] { "not json", "[1,2]", "{\"type\":\"no_such_type\"}", "{\"type\":\"subscribe\",\"id\":\"x\"}" })
        {
            await using var socket = await GraphQLSocket.OpenAsync(Host);
            await socket.SendTextAsync(garbage);
            Assert.Equal(4400, await socket.ClosedAsync());
        }
    }

    [Fact]
    public async Task A_socket_that_never_initialises_is_closed_with_4408()
    {
        await using var socket = await GraphQLSocket.ConnectAsync(Host);
        Assert.Equal(4408, await socket.ClosedAsync());
    }

    [Fact]
    public async Task A_message_ten_times_the_limit_closes_the_socket_with_1009()
    {
        await using var socket = await GraphQLSocket.OpenAsync(Host);
        await socket.SubscribeAsync("big", "{ quotes { totalCount } } # " + new string('x', SubscriptionHost.MaxMessageBytes * 10));
        Assert.Equal(1009, await socket.ClosedAsync());
    }

    [Fact]
    public async Task Ten_times_the_operations_a_socket_may_run_are_refused_beyond_the_limit()
    {
        await using var socket = await GraphQLSocket.OpenAsync(Host);
        var count = SubscriptionHost.MaxOperationsPerSocket * 10;
        for (var i = 0; i < count; i++)
        {
            await socket.SubscribeAsync($"s{i}", QuoteNotes.Subscription);
        }

        // The subscriptions stay open and send nothing: every message is a refusal.
        var refused = new HashSet<string>();
        while (refused.Count < count - SubscriptionHost.MaxOperationsPerSocket)
        {
            var message = (await socket.ReceiveAsync())!;
            Assert.Equal("error", message["type"]!.GetValue<string>());
            Assert.Equal("LIMIT_EXCEEDED", message["payload"]![0]!["extensions"]!["code"]!.GetValue<string>());
            Assert.True(refused.Add(message["id"]!.GetValue<string>()));
        }

        Assert.DoesNotContain("s0", refused);
        Assert.Equal(Enumerable.Range(0, SubscriptionHost.MaxOperationsPerSocket).Select(i => $"s{i}"), Enumerable.Range(0, count).Select(i => $"s{i}").Except(refused));
    }

    [Fact]
    public async Task Ten_times_the_sockets_a_user_may_hold_are_closed_beyond_the_limit()
    {
        var (_, _, key) = await Host.NewUserWithKeyAsync("sockets");
        var sockets = new List<GraphQLSocket>();
        try
        {
            var acked = 0;
            var closed = 0;
            for (var i = 0; i < SubscriptionHost.MaxSocketsPerUser * 10; i++)
            {
                var socket = await GraphQLSocket.ConnectAsync(Host);
                sockets.Add(socket);
                await socket.SendAsync(new { type = "connection_init", payload = new { Authorization = $"Bearer {key}" } });
                var answer = await socket.ReceiveAsync();
                if (answer is null)
                {
                    Assert.Equal(1008, socket.CloseCode);
                    closed++;
                }
                else
                {
                    Assert.Equal("connection_ack", answer["type"]!.GetValue<string>());
                    acked++;
                }
            }

            Assert.Equal(SubscriptionHost.MaxSocketsPerUser, acked);
            Assert.Equal(SubscriptionHost.MaxSocketsPerUser * 9, closed);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class WebSocketProtocolOnSqlite(SubscriptionSqliteHost fixture) : WebSocketProtocolTests(fixture), IClassFixture<SubscriptionSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class WebSocketProtocolOnPostgres(SubscriptionPostgresHost fixture) : WebSocketProtocolTests(fixture), IClassFixture<SubscriptionPostgresHost>;
