using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Plugins;

/// <summary>A host with the tests' sample plugin loaded beside the built-in modules, on a clock the tests move.</summary>
public abstract class QuotePluginHost(Engine engine) : HostFixture(engine)
{
    // Made when the host starts, not with the fixture (tests also make fixtures they never start).
    private SamplePluginFolder? _folder;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));

    protected override IReadOnlyDictionary<string, string?> Settings => _folder!.Settings;

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

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

public sealed class QuotePluginSqliteHost() : QuotePluginHost(Engine.Sqlite);

public sealed class QuotePluginPostgresHost() : QuotePluginHost(Engine.Postgres);

/// <summary>
/// The proof that a partner can build on the SDK alone: the tests' sample plugin declares a quote
/// record type, its own selection list, its own right (ACCEPT), an install hook, a mutation, a
/// handler of the Deals module's typed event and a back-reference (<c>Deal.quotes</c>), and each is
/// used here through GraphQL only.
/// </summary>
public abstract class QuotePluginTests(QuotePluginHost fixture)
{
    private const string QuoteFields = "id title dealId deal { id title } statusId statusItem { id name semantics } amount currencyId validUntil closedAt acceptedBy { id } assignedBy { id } createdBy { id }";

    private CrmHost Host => fixture.Host;

    private FakeTimeProvider Clock => fixture.Clock;

    [Fact]
    public async Task A_plugin_record_type_gets_lists_filters_order_search_and_a_back_reference_from_the_SDK()
    {
        var marker = Records.NewMarker("Globex");
        var dealId = await Host.CreateDealAsync(new { title = $"{marker} renewal" });
        var cheap = await CreateQuoteAsync(new { title = "Basic plan", dealId, amount = 10m });
        var dear = await CreateQuoteAsync(new { title = "Premium plan", dealId, amount = 250m });

        Assert.Equal(dealId, dear["deal"]!["id"]!.GetValue<string>());
        Assert.Equal("DRAFT", dear["statusItem"]!["id"]!.GetValue<string>());
        Assert.Equal("PROCESS", dear["statusItem"]!["semantics"]!.GetValue<string>());
        Assert.Equal("1", dear["assignedBy"]!["id"]!.GetValue<string>());

        // Deal.quotes: the back-reference the plugin declared on its reference field.
        var deal = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { quotes { id title } } }", new { id = dealId })).ShouldSucceed();
        Assert.Equal([cheap["id"]!.GetValue<string>(), dear["id"]!.GetValue<string>()], deal.Data!["deal"]!["quotes"]!.AsArray().Select(q => q!["id"]!.GetValue<string>()));

        // Filters, order and search (by the deal's title: the plugin declared SearchIncludes("deal")).
        var list = (await Host.QueryAsync(
            "query($s: String!, $id: ID!) { quotes(search: $s, where: { dealId: { eq: $id }, amount: { gte: 5 } }, order: [{ amount: DESC }]) { totalCount nodes { title } } }",
            new { s = marker, id = dealId })).ShouldSucceed();
        Assert.Equal(2, list.Data!["quotes"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(["Premium plan", "Basic plan"], list.Data["quotes"]!["nodes"]!.AsArray().Select(n => n!["title"]!.GetValue<string>()));

        var refused = await Host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"x\", statusId: \"NO_SUCH\", amount: -1 }) { quote { id } errors { code path } } }");
        Assert.Equal(["input.amount", "input.statusId"], refused["errors"]!.AsArray().Select(e => string.Join(".", e!["path"]!.AsArray().Select(p => p!.GetValue<string>()))).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_install_hook_ran_once_and_a_new_quote_holds_for_its_days_by_the_platform_clock()
    {
        var runs = await Host.QueryRowsAsync($"SELECT migration_id FROM {Host.Table("platform", "data_migrations")} WHERE module_id = 'sample_plugin'");
        Assert.Single(runs, r => (string)r["migration_id"]! == "0001-seed-quote-terms");
        Assert.Single(await Host.QueryRowsAsync($"SELECT validity_days FROM {Host.Table("sample_plugin", "quote_terms")}"));

        var today = DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);
        var quote = await CreateQuoteAsync(new { title = "Dated" });
        Assert.Equal(today.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), quote["validUntil"]!.GetValue<string>());

        Clock.Advance(TimeSpan.FromDays(10));
        var later = await CreateQuoteAsync(new { title = "Dated later", validUntil = "2027-01-31" });
        Assert.Equal("2027-01-31", later["validUntil"]!.GetValue<string>());
        var moved = await CreateQuoteAsync(new { title = "Dated later still" });
        Assert.Equal(today.AddDays(40).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), moved["validUntil"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_plugins_selection_list_is_declared_with_its_semantics_and_admins_edit_it()
    {
        var list = (await Host.QueryAsync("{ selectionList(entityId: \"QUOTE_STATUS\") { name items { id semantics } } }")).ShouldSucceed();
        Assert.Equal("Quote statuses", list.Data!["selectionList"]!["name"]!.GetValue<string>());
        Assert.Equal(["DRAFT:PROCESS", "SENT:PROCESS", "ACCEPTED:SUCCESS", "DECLINED:FAILURE", "WITHDRAWN:FAILURE"],
            list.Data["selectionList"]!["items"]!.AsArray().Select(i => $"{i!["id"]}:{i["semantics"]}"));

        var added = await Host.MutateAsync("addSelectionListItem",
            "mutation { addSelectionListItem(input: { entityId: \"QUOTE_STATUS\", name: \"Negotiating\", semantics: PROCESS }) { item { id } errors { code message } } }");
        var id = added.Ok()["item"]!["id"]!.GetValue<string>();
        var quote = await CreateQuoteAsync(new { title = "Negotiated", statusId = id });
        Assert.Equal(id, quote["statusId"]!.GetValue<string>());
    }

    [Fact]
    public async Task ACCEPT_is_a_right_of_its_own_given_by_roles_shown_in_me_and_checked_by_the_plugins_mutation()
    {
        var me = (await Host.QueryAsync("{ me { permissions { entityType action level } } }")).ShouldSucceed();
        Assert.Contains(me.Data!["me"]!["permissions"]!.AsArray(), p => p!["entityType"]!.GetValue<string>() == "QUOTE" && p["action"]!.GetValue<string>() == "ACCEPT");

        // A type that does not declare it cannot be given it.
        var wrong = await Host.MutateAsync("createRole", "mutation { createRole(input: { name: \"Wrong\", permissions: [{ entityType: DEAL, action: ACCEPT, level: ALL }] }) { role { id } errors { code path } } }");
        Assert.Equal("INVALID_VALUE", wrong.ErrorCode());
        Assert.Equal("input.permissions.0.action", wrong.ErrorPath());

        var (editorId, _, editorKey) = await Host.NewUserWithKeyAsync("quote-editor");
        var (closerId, _, closerKey) = await Host.NewUserWithKeyAsync("quote-closer");
        var editor = await Host.CreateRoleAsync("Quote editor", [Perm("READ", "ALL"), Perm("UPDATE", "ALL")]);
        var closer = await Host.CreateRoleAsync("Quote closer", [Perm("READ", "ALL"), Perm("ACCEPT", "OWN")]);
        (await Host.AssignAsync(editor, userId: editorId)).Ok();
        (await Host.AssignAsync(closer, userId: closerId)).Ok();

        var theirs = (await CreateQuoteAsync(new { title = "Closer's", assignedById = closerId }))["id"]!.GetValue<string>();
        var others = (await CreateQuoteAsync(new { title = "Someone else's" }))["id"]!.GetValue<string>();

        Assert.Equal("FORBIDDEN", (await AcceptAsync(theirs, editorKey)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await AcceptAsync(others, closerKey)).ErrorCode());
        var accepted = (await AcceptAsync(theirs, closerKey)).Ok()["quote"]!;
        Assert.Equal("ACCEPTED", accepted["statusId"]!.GetValue<string>());
        Assert.Equal(closerId, accepted["acceptedBy"]!["id"]!.GetValue<string>());
        Assert.Equal(Clock.GetUtcNow().UtcDateTime, DateTime.Parse(accepted["closedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));

        var closerMe = (await Host.QueryAsync("{ me { permissions { entityType action level } } }", apiKey: closerKey)).ShouldSucceed();
        Assert.Contains(closerMe.Data!["me"]!["permissions"]!.AsArray(), p => p!["action"]!.GetValue<string>() == "ACCEPT" && p["level"]!.GetValue<string>() == "OWN");
    }

    [Fact]
    public async Task Of_twenty_concurrent_acceptances_of_one_quote_exactly_one_wins()
    {
        var id = (await CreateQuoteAsync(new { title = "Contested" }))["id"]!.GetValue<string>();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => AcceptAsync(id, CrmHost.AdminKey))));

        Assert.Single(answers, a => a["errors"]!.AsArray().Count == 0);
        Assert.All(answers.Where(a => a["errors"]!.AsArray().Count > 0), a => Assert.Equal("QUOTE_CLOSED", a.ErrorCode()));
        var row = Assert.Single(await Host.QueryRowsAsync($"SELECT status_id FROM {Host.Table("sample_plugin", "quotes")} WHERE id = @p0", long.Parse(id, CultureInfo.InvariantCulture)));
        Assert.Equal("ACCEPTED", row["status_id"]);
    }

    [Fact]
    public async Task When_a_deal_is_lost_the_plugins_handler_withdraws_its_open_quotes_and_leaves_the_accepted_one()
    {
        await DeliverEventsAsync();
        var dealId = await Host.CreateDealAsync(new { title = "Doomed" });
        var open = (await CreateQuoteAsync(new { title = "Open", dealId }))["id"]!.GetValue<string>();
        var accepted = (await CreateQuoteAsync(new { title = "Accepted", dealId }))["id"]!.GetValue<string>();
        (await AcceptAsync(accepted, CrmHost.AdminKey)).Ok();
        Clock.Advance(TimeSpan.FromHours(3));

        (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"LOSE\" }) { deal { id } errors { code message } } }", new { id = dealId })).Ok();
        await DeliverEventsAsync();

        var quotes = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { quotes { id statusId closedAt } } }", new { id = dealId })).ShouldSucceed();
        var byId = quotes.Data!["deal"]!["quotes"]!.AsArray().ToDictionary(q => q!["id"]!.GetValue<string>(), q => q!);
        Assert.Equal("WITHDRAWN", byId[open]["statusId"]!.GetValue<string>());
        Assert.Equal(Clock.GetUtcNow().UtcDateTime, DateTime.Parse(byId[open]["closedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
        Assert.Equal("ACCEPTED", byId[accepted]["statusId"]!.GetValue<string>());

        // Nothing waits or is parked for the plugin's handler.
        var deliveries = (await Host.QueryAsync("{ eventDeliveries(first: 50) { nodes { handler state } } }")).ShouldSucceed();
        Assert.DoesNotContain(deliveries.Data!["eventDeliveries"]!["nodes"]!.AsArray(), d => d!["handler"]!.GetValue<string>().StartsWith("sample_plugin/", StringComparison.Ordinal));
    }

    private static object Perm(string action, string level) => new { entityType = "QUOTE", action, level };

    private Task<int> DeliverEventsAsync() => Host.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None);

    private async Task<JsonNode> CreateQuoteAsync(object input) =>
        (await Host.MutateAsync("createQuote", $"mutation($input: CreateQuoteInput!) {{ createQuote(input: $input) {{ quote {{ {QuoteFields} }} errors {{ code message path }} }} }}", new { input })).Ok()["quote"]!;

    private Task<JsonNode> AcceptAsync(string id, string apiKey) =>
        Host.MutateAsync("acceptQuote", $"mutation($id: ID!) {{ acceptQuote(id: $id) {{ quote {{ {QuoteFields} }} errors {{ code message path }} }} }}", new { id }, apiKey);
}

[Trait("Engine", "Sqlite")]
public sealed class QuotePluginOnSqlite(QuotePluginSqliteHost fixture) : QuotePluginTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class QuotePluginOnPostgres(QuotePluginPostgresHost fixture) : QuotePluginTests(fixture), IClassFixture<QuotePluginPostgresHost>;
