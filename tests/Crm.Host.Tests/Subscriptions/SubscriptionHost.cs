using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Subscriptions;

/// <summary>
/// A host with the tests' sample plugin, whose <c>quoteNotes</c> subscription is the live source
/// the tests drive: small WebSocket limits (so that ten times each is cheap), a short poll for
/// SQLite and PostgreSQL's wake-up on.
/// </summary>
public abstract class SubscriptionHost(Engine engine) : HostFixture(engine)
{
    public const int MaxOperationsPerSocket = 4;
    public const int MaxSocketsPerUser = 10;
    public const int MaxMessageBytes = 4096;
    public const int MaxCatchUpItems = 60;

    // Made when the host starts, not with the fixture (tests also make fixtures they never start).
    private SamplePluginFolder? _folder;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(_folder!.Settings)
    {
        ["Live:WakeUp"] = "true",
        // SQLite has only its poll; PostgreSQL, none to speak of: there only NOTIFY wakes a reader, so the tests prove it does.
        ["Live:PollInterval"] = Engine == Engine.Postgres ? "01:00:00" : "00:00:00.2",
        ["Live:MaxCatchUpItems"] = MaxCatchUpItems.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GraphQL:WebSocket:MaxOperationsPerSocket"] = MaxOperationsPerSocket.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GraphQL:WebSocket:MaxSocketsPerUser"] = MaxSocketsPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GraphQL:WebSocket:MaxMessageBytes"] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override async Task InitializeAsync()
    {
        _folder = new SamplePluginFolder(faults: null);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder?.Dispose();
    }
}

public sealed class SubscriptionSqliteHost() : SubscriptionHost(Engine.Sqlite);

public sealed class SubscriptionPostgresHost() : SubscriptionHost(Engine.Postgres);

/// <summary>Quotes and their notes through GraphQL, for the subscription tests.</summary>
public static class QuoteNotes
{
    public const string Subscription =
        "subscription($quoteId: ID, $after: String) { quoteNotes(quoteId: $quoteId, after: $after) { cursor node { id quoteId text } } }";

    public static async Task<string> CreateQuoteAsync(this CrmHost host, string title, string? assignedById = null)
    {
        var payload = await host.MutateAsync("createQuote",
            "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } errors { code message path } } }",
            new { input = new { title, assignedById } });
        return payload.Ok()["quote"]!["id"]!.GetValue<string>();
    }

    /// <summary>Adds a note as the administrator; returns its id.</summary>
    public static async Task<string> AddNoteAsync(this CrmHost host, string quoteId, string text)
    {
        var payload = await host.MutateAsync("addQuoteNote",
            "mutation($quoteId: ID!, $text: String!) { addQuoteNote(quoteId: $quoteId, text: $text) { note { id } errors { code message path } } }",
            new { quoteId, text });
        return payload.Ok()["note"]!["id"]!.GetValue<string>();
    }

    /// <summary>Adds <paramref name="count"/> notes, twenty to a request.</summary>
    public static async Task<IReadOnlyList<string>> AddNotesAsync(this CrmHost host, string quoteId, int count, string prefix)
    {
        var ids = new List<string>();
        for (var start = 0; start < count; start += 20)
        {
            var fields = string.Concat(Enumerable.Range(start, Math.Min(20, count - start)).Select(i =>
                $"n{i}: addQuoteNote(quoteId: \"{quoteId}\", text: \"{prefix} {i}\") {{ note {{ id }} errors {{ code }} }} "));
            var data = (await host.QueryAsync($"mutation {{ {fields}}}")).ShouldSucceed().Data!.AsObject();
            ids.AddRange(data.Select(f => f.Value!["note"]!["id"]!.GetValue<string>()));
        }

        return ids;
    }

    /// <summary>The next event of subscription <paramref name="id"/>: its cursor and note.</summary>
    public static async Task<(string Cursor, JsonNode Note)> NextNoteAsync(this GraphQLSocket socket, string id)
    {
        var data = await socket.NextDataAsync(id);
        var notes = data["quoteNotes"]!;
        return (notes["cursor"]!.GetValue<string>(), notes["node"]!);
    }
}
