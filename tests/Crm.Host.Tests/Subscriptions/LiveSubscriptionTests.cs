using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Subscriptions;

/// <summary>
/// The live mechanism through the SDK's contract alone: the sample plugin's <c>quoteNotes</c>
/// subscription, a live source of its own, read by the host. Each subscription starts from a note
/// written before it (<c>after</c>), so that what a test writes next cannot come before the
/// subscription joins.
/// </summary>
public abstract class LiveSubscriptionTests(SubscriptionHost fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_burst_of_100_notes_arrives_complete_and_in_order_and_only_for_the_quote_asked()
    {
        var quote = await Host.CreateQuoteAsync(Records.NewMarker("Burst"));
        var other = await Host.CreateQuoteAsync(Records.NewMarker("Other"));
        var start = await Host.AddNoteAsync(quote, "start");
        await using var socket = await GraphQLSocket.OpenAsync(Host);
        await socket.SubscribeAsync("notes", QuoteNotes.Subscription, new { quoteId = quote, after = start });
        // Joined before the burst: a subscription the server takes up only after the burst was
        // written would rightly catch up on all of it, and 100 is over the test's Live:MaxCatchUpItems.
        var joined = await Host.AddNoteAsync(quote, "joined");
        Assert.Equal(joined, (await socket.NextNoteAsync("notes")).Cursor);

        // Twenty writers at once, and notes of another quote between them.
        var written = (await Task.WhenAll(Enumerable.Range(0, 20).Select(w => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                ids.Add(await Host.AddNoteAsync(quote, $"writer {w} note {i}"));
                await Host.AddNoteAsync(other, "elsewhere");
            }

            return ids;
        })))).SelectMany(ids => ids).Select(long.Parse).Order().ToList();

        var received = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            var (cursor, note) = await socket.NextNoteAsync("notes");
            Assert.Equal(quote, note["quoteId"]!.GetValue<string>());
            Assert.Equal(cursor, note["id"]!.GetValue<string>());
            received.Add(long.Parse(cursor, CultureInfo.InvariantCulture));
        }

        Assert.Equal(written, received);
    }

    [Fact]
    public async Task Reconnecting_with_the_last_cursor_misses_nothing_and_repeats_nothing()
    {
        var quote = await Host.CreateQuoteAsync(Records.NewMarker("Resume"));
        var start = await Host.AddNoteAsync(quote, "start");
        var first = await Host.AddNotesAsync(quote, 10, "first");
        string last;
        await using (var socket = await GraphQLSocket.OpenAsync(Host))
        {
            await socket.SubscribeAsync("notes", QuoteNotes.Subscription, new { quoteId = quote, after = start });
            var seen = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                seen.Add((await socket.NextNoteAsync("notes")).Cursor);
            }

            Assert.Equal(first, seen);
            last = seen[^1];
        }

        // Written while nobody listened.
        var missed = await Host.AddNotesAsync(quote, 10, "missed");
        await using var again = await GraphQLSocket.OpenAsync(Host);
        await again.SubscribeAsync("notes", QuoteNotes.Subscription, new { quoteId = quote, after = last });
        var resumed = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            resumed.Add((await again.NextNoteAsync("notes")).Cursor);
        }

        Assert.Equal(missed, resumed);
        // Then live ones, and nothing of what came before.
        var live = await Host.AddNoteAsync(quote, "live");
        Assert.Equal(live, (await again.NextNoteAsync("notes")).Cursor);
    }

    [Fact]
    public async Task Notes_written_while_a_subscriber_catches_up_arrive_once_each_in_order()
    {
        var quote = await Host.CreateQuoteAsync(Records.NewMarker("Race"));
        var start = await Host.AddNoteAsync(quote, "start");
        var before = await Host.AddNotesAsync(quote, 25, "before");
        await using var socket = await GraphQLSocket.OpenAsync(Host);
        await socket.SubscribeAsync("notes", QuoteNotes.Subscription, new { quoteId = quote, after = start });
        // While it catches up on the first 25, 25 more are written one by one.
        var during = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            during.Add(await Host.AddNoteAsync(quote, $"during {i}"));
        }

        var received = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            received.Add((await socket.NextNoteAsync("notes")).Cursor);
        }

        Assert.Equal(before.Concat(during), received);
        var after = await Host.AddNoteAsync(quote, "after");
        Assert.Equal(after, (await socket.NextNoteAsync("notes")).Cursor);
    }

    [Fact]
    public async Task Catching_up_on_ten_times_the_limit_ends_the_subscription_with_LIMIT_EXCEEDED()
    {
        var quote = await Host.CreateQuoteAsync(Records.NewMarker("Far behind"));
        var start = await Host.AddNoteAsync(quote, "start");
        await Host.AddNotesAsync(quote, SubscriptionHost.MaxCatchUpItems * 10, "missed");
        await using var socket = await GraphQLSocket.OpenAsync(Host);
        await socket.SubscribeAsync("notes", QuoteNotes.Subscription, new { quoteId = quote, after = start });

        // What fits is sent, then the refusal.
        JsonObject message;
        var received = 0;
        while ((message = await socket.ReceiveForAsync("notes"))["type"]!.GetValue<string>() == "next" && message["payload"]!["errors"] is null)
        {
            received++;
        }

        Assert.True(received <= SubscriptionHost.MaxCatchUpItems, $"{received} events were caught up on");
        var errors = message["type"]!.GetValue<string>() == "error" ? message["payload"]! : message["payload"]!["errors"]!;
        Assert.Equal("LIMIT_EXCEEDED", errors[0]!["extensions"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscriber_whose_rights_are_withdrawn_stops_receiving_at_once()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("notes-reader");
        var readAll = await Host.CreateRoleAsync("Quote reader", [Perm("READ", "ALL")]);
        var readOwn = await Host.CreateRoleAsync("Own quote reader", [Perm("READ", "OWN")]);
        (await Host.AssignAsync(readAll, userId: userId)).Ok();
        (await Host.AssignAsync(readOwn, userId: userId)).Ok();
        var someone = await Host.CreateQuoteAsync(Records.NewMarker("Someone's"));
        var theirs = await Host.CreateQuoteAsync(Records.NewMarker("Theirs"), assignedById: userId);
        var start = await Host.AddNoteAsync(someone, "start");

        await using var socket = await GraphQLSocket.OpenAsync(Host, key);
        await socket.SubscribeAsync("notes", QuoteNotes.Subscription, new { after = start });
        var seen = await Host.AddNoteAsync(someone, "seen");
        Assert.Equal(seen, (await socket.NextNoteAsync("notes")).Cursor);

        // READ ALL goes; READ OWN stays: the next note on someone's quote is not sent, the one on theirs is.
        (await Host.MutateAsync("unassignRole", PermissionHelpers.UnassignMutation, new { roleId = readAll, userId })).Ok();
        await Host.AddNoteAsync(someone, "hidden");
        var own = await Host.AddNoteAsync(theirs, "own");
        var (cursor, note) = await socket.NextNoteAsync("notes");
        Assert.Equal(own, cursor);
        Assert.Equal("own", note["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_note_written_through_one_host_reaches_subscribers_on_another_host_of_the_same_database()
    {
        await using var other = Host.WithWebHostBuilder(_ => { });
        var quote = await Host.CreateQuoteAsync(Records.NewMarker("Two hosts"));
        var start = await Host.AddNoteAsync(quote, "start");
        await using var here = await GraphQLSocket.OpenAsync(Host);
        await using var there = await GraphQLSocket.OpenAsync(other);
        await here.SubscribeAsync("notes", QuoteNotes.Subscription, new { quoteId = quote, after = start });
        await there.SubscribeAsync("notes", QuoteNotes.Subscription, new { quoteId = quote, after = start });

        // A first note proves both subscriptions joined their host's reader (they join before
        // catching up); the second can only come through that reader, woken on the other host.
        var first = await Host.AddNoteAsync(quote, "first");
        Assert.Equal(first, (await there.NextNoteAsync("notes")).Cursor);
        Assert.Equal(first, (await here.NextNoteAsync("notes")).Cursor);
        var written = await Host.AddNoteAsync(quote, "through the first host");
        Assert.Equal(written, (await there.NextNoteAsync("notes")).Cursor);
        Assert.Equal(written, (await here.NextNoteAsync("notes")).Cursor);
    }

    [Fact]
    public async Task Two_hundred_subscriptions_share_one_reader_of_the_source()
    {
        var quote = await Host.CreateQuoteAsync(Records.NewMarker("Shared"));
        var start = await Host.AddNoteAsync(quote, "start");
        var sockets = new List<GraphQLSocket>();
        try
        {
            // 5 users x 10 sockets x 4 subscriptions.
            for (var u = 0; u < 5; u++)
            {
                var (userId, _, key) = await Host.NewUserWithKeyAsync($"shared{u}");
                var role = await Host.CreateRoleAsync("Quote reader", [Perm("READ", "ALL")]);
                (await Host.AssignAsync(role, userId: userId)).Ok();
                for (var s = 0; s < SubscriptionHost.MaxSocketsPerUser; s++)
                {
                    var socket = await GraphQLSocket.OpenAsync(Host, key);
                    sockets.Add(socket);
                    for (var i = 0; i < SubscriptionHost.MaxOperationsPerSocket; i++)
                    {
                        await socket.SubscribeAsync($"n{i}", QuoteNotes.Subscription, new { quoteId = quote, after = start });
                    }
                }
            }

            Assert.Equal(200, sockets.Count * SubscriptionHost.MaxOperationsPerSocket);
            using var sql = SqlCapture.Start(Host);
            var written = await Host.AddNoteAsync(quote, "for everyone");
            foreach (var socket in sockets)
            {
                var ids = new HashSet<string>();
                for (var i = 0; i < SubscriptionHost.MaxOperationsPerSocket; i++)
                {
                    var message = (await socket.ReceiveAsync())!;
                    Assert.True(message["type"]!.GetValue<string>() == "next", message.ToJsonString());
                    Assert.Equal(written, message["payload"]!["data"]!["quoteNotes"]!["cursor"]!.GetValue<string>());
                    Assert.True(ids.Add(message["id"]!.GetValue<string>()));
                }
            }

            // One reader polls and is woken for the source, whatever the subscribers: a reader
            // per subscriber would have read it 200 times for this one note.
            var reads = sql.Commands.Count(c => c.Text.Contains("quote_notes", StringComparison.Ordinal) && c.Text.Contains("SELECT", StringComparison.OrdinalIgnoreCase));
            Assert.True(reads < 50, $"The notes were read {reads} times while 200 subscribers received one note.");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    private static object Perm(string action, string level) => new { entityType = "QUOTE", action, level };
}

[Trait("Engine", "Sqlite")]
public sealed class LiveSubscriptionsOnSqlite(SubscriptionSqliteHost fixture) : LiveSubscriptionTests(fixture), IClassFixture<SubscriptionSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class LiveSubscriptionsOnPostgres(SubscriptionPostgresHost fixture) : LiveSubscriptionTests(fixture), IClassFixture<SubscriptionPostgresHost>;
