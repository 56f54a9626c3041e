using System.Net;
using Crm.Host.Tests.GraphQL;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.PluginSdk.Querying;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.Querying;

/// <summary>
/// Limits:MaxFilterTerms, Limits:MaxFilterValues and Limits:MaxSearchLength at their defaults,
/// sent by a user who may read only their own deals (so that the rights filter is part of every
/// query): ten times a limit is refused before any SQL runs; exactly the limit answers what the
/// user may see.
/// </summary>
public abstract class FilterLimitsTests(HostFixture fixture)
{
    private const string DealsQuery = "query($w: DealFilterInput) { deals(where: $w, first: 200) { totalCount nodes { id title } } }";

    private static readonly QueryLimits Defaults = new();

    private CrmHost Host => fixture.Host;

    /// <summary>A user with DEAL READ OWN, three deals of theirs and two of someone else, all titled with the marker.</summary>
    private async Task<(string Key, string Marker, IReadOnlyList<string> Mine, IReadOnlyList<string> Theirs)> OwnDealsAsync()
    {
        var marker = Records.NewMarker("wide");
        var (userId, _, key) = await Host.NewUserWithKeyAsync("owner");
        var role = await Host.CreateRoleAsync("own deals ", [new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId)).Ok();
        var mine = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            mine.Add(await Host.CreateDealAsync(new { title = $"{marker} mine {i}", assignedById = userId }));
        }

        var theirs = new List<string>
        {
            await Host.CreateDealAsync(new { title = $"{marker} theirs 0", assignedById = "1" }),
            await Host.CreateDealAsync(new { title = $"{marker} theirs 1", assignedById = "1" }),
        };
        return (key, marker, mine, theirs);
    }

    /// <summary><c>or</c> of <paramref name="count"/> title conditions: the five real titles first, then titles nothing has.</summary>
    private static object WideOr(string marker, int count, string junction = "or")
    {
        var titles = Enumerable.Range(0, 3).Select(i => $"{marker} mine {i}")
            .Concat(Enumerable.Range(0, 2).Select(i => $"{marker} theirs {i}"))
            .Concat(Enumerable.Range(0, int.Max(count - 5, 0)).Select(i => $"{marker} none {i}"))
            .Take(count);
        return new Dictionary<string, object> { [junction] = titles.Select(t => new { title = new { eq = t } }).ToArray() };
    }

    private static void ShouldBeRefusedFor(GraphQLResponse response, string setting)
    {
        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "LIMIT_EXCEEDED");
        Assert.Contains($"(Limits:{setting})", error.Message(), StringComparison.Ordinal);
        // The header is there (the request reached the executor) and counts nothing.
        Assert.Equal(0, response.SqlStatements);
    }

    private static IReadOnlyList<string> Ids(GraphQLResponse response) =>
        Records.Ids(response.Data!["deals"]!["nodes"]).Order(StringComparer.Ordinal).ToList();

    [Theory]
    [InlineData("or")]
    [InlineData("and")]
    public async Task Ten_times_the_term_limit_is_refused_before_any_SQL(string junction)
    {
        var (key, marker, _, _) = await OwnDealsAsync();

        var response = await Host.QueryAsync(DealsQuery, new { w = WideOr(marker, 10 * Defaults.MaxFilterTerms, junction) }, apiKey: key);

        ShouldBeRefusedFor(response, "MaxFilterTerms");
    }

    [Fact]
    public async Task Ten_times_the_term_limit_written_in_the_document_is_refused_too()
    {
        var (key, marker, _, _) = await OwnDealsAsync();
        var terms = string.Join(' ', Enumerable.Range(0, 10 * Defaults.MaxFilterTerms).Select(i => $"{{ title: {{ eq: \"{marker} {i}\" }} }}"));

        var response = await Host.QueryAsync($"{{ deals(where: {{ or: [{terms}] }}) {{ totalCount }} }}", apiKey: key);

        ShouldBeRefusedFor(response, "MaxFilterTerms");
    }

    [Fact]
    public async Task Exactly_the_term_limit_answers_what_the_user_may_see()
    {
        var (key, marker, mine, _) = await OwnDealsAsync();

        var response = (await Host.QueryAsync(DealsQuery, new { w = WideOr(marker, Defaults.MaxFilterTerms) }, apiKey: key)).ShouldSucceed();

        Assert.Equal(mine.Order(StringComparer.Ordinal), Ids(response));
        Assert.Equal(mine.Count, response.Data!["deals"]!["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ten_times_the_in_list_limit_is_refused_before_any_SQL()
    {
        var (key, _, mine, theirs) = await OwnDealsAsync();
        var ids = mine.Concat(theirs).Concat(Enumerable.Range(1, 10 * Defaults.MaxFilterValues).Select(i => (900_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var response = await Host.QueryAsync(DealsQuery, new { w = new { id = new { @in = ids.ToArray() } } }, apiKey: key);

        ShouldBeRefusedFor(response, "MaxFilterValues");
    }

    [Fact]
    public async Task Exactly_the_in_list_limit_answers_what_the_user_may_see()
    {
        var (key, _, mine, theirs) = await OwnDealsAsync();
        var ids = mine.Concat(theirs)
            .Concat(Enumerable.Range(1, Defaults.MaxFilterValues).Select(i => (900_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Take(Defaults.MaxFilterValues)
            .ToArray();

        var response = (await Host.QueryAsync(DealsQuery, new { w = new { id = new { @in = ids } } }, apiKey: key)).ShouldSucceed();

        Assert.Equal(mine.Order(StringComparer.Ordinal), Ids(response));
    }

    [Fact]
    public async Task Ten_times_the_text_limit_in_contains_or_search_is_refused_before_any_SQL()
    {
        var (key, _, _, _) = await OwnDealsAsync();
        var text = new string('a', 10 * Defaults.MaxSearchLength);

        var contains = await Host.QueryAsync(DealsQuery, new { w = new { title = new { contains = text } } }, apiKey: key);
        var nested = await Host.QueryAsync(DealsQuery, new { w = new { or = new[] { new { title = new { endsWith = text } } } } }, apiKey: key);
        var search = await Host.QueryAsync("query($s: String) { contacts(search: $s) { totalCount } }", new { s = text });

        ShouldBeRefusedFor(contains, "MaxSearchLength");
        ShouldBeRefusedFor(nested, "MaxSearchLength");
        ShouldBeRefusedFor(search, "MaxSearchLength");
    }

    [Fact]
    public async Task Text_at_the_limit_is_searched_on_both_engines()
    {
        var (key, marker, mine, _) = await OwnDealsAsync();
        // SQLite refuses LIKE patterns over 50,000 bytes, but only when a row is there to compare.
        var text = new string('a', Defaults.MaxSearchLength);
        await Host.CreateContactAsync(new { name = "Search at the limit" });

        var contains = (await Host.QueryAsync(DealsQuery, new { w = new { title = new { contains = text } } }, apiKey: key)).ShouldSucceed();
        var startsWith = (await Host.QueryAsync(DealsQuery, new { w = new { title = new { startsWith = marker + " mine" } } }, apiKey: key)).ShouldSucceed();
        var search = (await Host.QueryAsync("query($s: String) { contacts(search: $s) { totalCount } }", new { s = text })).ShouldSucceed();

        Assert.Empty(Ids(contains));
        Assert.Equal(mine.Order(StringComparer.Ordinal), Ids(startsWith));
        Assert.Equal(0, search.Data!["contacts"]!["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_widest_filter_configuration_allows_is_safe()
    {
        // PostgreSQL: a 10,000-term chain overflowed EF Core's stack and killed the process; the
        // compiler now builds balanced trees. SQLite caps the setting (its expression depth is 1,000).
        var terms = fixture.Engine == Engine.Sqlite ? QueryLimits.SqliteMaxFilterTerms : 10_000;
        await using var host = await CrmHost.StartAsync(fixture.Engine, new Dictionary<string, string?>
        {
            ["Limits:MaxFilterTerms"] = terms.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var marker = Records.NewMarker("wide");
        var (userId, _, key) = await host.NewUserWithKeyAsync("owner");
        (await host.AssignAsync(await host.CreateRoleAsync("own deals ", [new { entityType = "DEAL", action = "READ", level = "OWN" }]), userId)).Ok();
        var mine = await host.CreateDealAsync(new { title = $"{marker} mine 0", assignedById = userId });
        await host.CreateDealAsync(new { title = $"{marker} theirs 0", assignedById = "1" });

        var or = (await host.QueryAsync(DealsQuery, new { w = WideOr(marker, terms) }, apiKey: key)).ShouldSucceed();
        var and = (await host.QueryAsync(DealsQuery, new { w = new { and = Enumerable.Range(0, terms).Select(_ => new { title = new { startsWith = marker } }).ToArray() } }, apiKey: key)).ShouldSucceed();

        Assert.Equal(new[] { mine }, Ids(or));
        Assert.Equal(new[] { mine }, Ids(and));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class FilterLimitsOnSqlite(SqliteHost fixture) : FilterLimitsTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class FilterLimitsOnPostgres(PostgresHost fixture) : FilterLimitsTests(fixture), IClassFixture<PostgresHost>;
