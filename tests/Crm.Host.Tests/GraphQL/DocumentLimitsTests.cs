using System.Globalization;
using System.Net;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// Limits:MaxTokens, MaxSelections, MaxFragments, MaxAliases, MaxDirectives and MaxMutations, and
/// GraphQL:MaxResponseBytes, on a host with small limits, each ten times smaller than the one
/// before it so that ten times one limit passes none of the others: ten times a limit is refused
/// before validation (or, for mutations, before execution) and exactly the limit runs.
/// </summary>
public abstract class DocumentLimitsTests(ConfiguredHostFixture fixture)
{
    public const int MaxTokens = 3_000;
    public const int MaxSelections = 200;
    public const int MaxFragments = 5;
    public const int MaxAliases = 20;
    public const int MaxDirectives = 5;
    public const int MaxMutations = 2;
    public const int MaxResponseBytes = 4_096;

    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Limits:MaxTokens"] = MaxTokens.ToString(CultureInfo.InvariantCulture),
        ["Limits:MaxSelections"] = MaxSelections.ToString(CultureInfo.InvariantCulture),
        ["Limits:MaxFragments"] = MaxFragments.ToString(CultureInfo.InvariantCulture),
        ["Limits:MaxAliases"] = MaxAliases.ToString(CultureInfo.InvariantCulture),
        ["Limits:MaxDirectives"] = MaxDirectives.ToString(CultureInfo.InvariantCulture),
        ["Limits:MaxMutations"] = MaxMutations.ToString(CultureInfo.InvariantCulture),
        // Out of the way of the token test, which writes its tokens as an in list.
        ["Limits:MaxFilterValues"] = "10000",
        ["GraphQL:MaxResponseBytes"] = MaxResponseBytes.ToString(CultureInfo.InvariantCulture),
    };

    private CrmHost Host => fixture.Host;

    private static string Repeat(int count, Func<int, string> part) => string.Join(' ', Enumerable.Range(0, count).Select(part));

    /// <summary>Refused before anything ran: a request error naming the setting.</summary>
    private static void ShouldBeRefusedFor(GraphQLResponse response, string setting)
    {
        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "LIMIT_EXCEEDED");
        Assert.Contains($"(Limits:{setting})", error.Message(), StringComparison.Ordinal);
    }

    /// <summary><c>{ contacts(where: { id: { in: [1 1 ...] } }) { totalCount } }</c>: 20 tokens and one per value.</summary>
    private static string WithTokens(int tokens) =>
        $"{{ contacts(where: {{ id: {{ in: [{Repeat(tokens - 20, _ => "1")}] }} }}) {{ totalCount }} }}";

    [Fact]
    public async Task Ten_times_the_token_limit_is_refused_before_parsing()
    {
        var response = await Host.SendAsync(PostQuery(WithTokens(10 * MaxTokens)));

        ShouldBeRefusedFor(response, "MaxTokens");
    }

    [Fact]
    public async Task Exactly_the_token_limit_runs_and_comments_are_free()
    {
        var comments = string.Concat(Enumerable.Repeat("# a comment costs nothing\n", MaxTokens));

        var response = (await Host.SendAsync(PostQuery(comments + WithTokens(MaxTokens)))).ShouldSucceed();

        Assert.NotNull(response.Data!["contacts"]!["totalCount"]);
    }

    [Fact]
    public async Task Ten_times_the_selection_limit_is_refused_even_without_a_key()
    {
        // The issue's { __typename x 10000 }, scaled to this host's limit.
        var response = await Host.SendAsync(PostQuery($"{{ {Repeat(10 * MaxSelections, _ => "__typename")} }}"), apiKey: null);

        ShouldBeRefusedFor(response, "MaxSelections");
    }

    [Fact]
    public async Task Exactly_the_selection_limit_runs()
    {
        var response = (await Host.SendAsync(PostQuery($"{{ {Repeat(MaxSelections, _ => "__typename")} }}"))).ShouldSucceed();

        Assert.Equal("Query", response.Data!["__typename"]!.GetValue<string>());
    }

    [Fact]
    public async Task Selections_count_in_fragments_and_nested_sets_too()
    {
        var response = await Host.SendAsync(PostQuery(
            $"{{ contacts(first: 1) {{ nodes {{ ...F }} }} }} fragment F on Contact {{ {Repeat(MaxSelections, _ => "id")} }}"));

        ShouldBeRefusedFor(response, "MaxSelections");
    }

    /// <summary>Every fragment spread together in one selection set: what the field-merging rule compares pairwise.</summary>
    private static string SpreadTogether(int fragments) =>
        $"{{ {Repeat(fragments, i => $"...F{i}")} }} {Repeat(fragments, i => $"fragment F{i} on Query {{ __typename }}")}";

    [Fact]
    public async Task Ten_times_the_fragment_limit_is_refused()
    {
        var response = await Host.SendAsync(PostQuery(SpreadTogether(10 * MaxFragments)), apiKey: null);

        ShouldBeRefusedFor(response, "MaxFragments");
    }

    [Fact]
    public async Task Exactly_the_fragment_limit_runs()
    {
        var response = (await Host.SendAsync(PostQuery(SpreadTogether(MaxFragments)))).ShouldSucceed();

        Assert.Equal("Query", response.Data!["__typename"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ten_times_the_alias_limit_is_refused()
    {
        var response = await Host.SendAsync(PostQuery($"{{ {Repeat(10 * MaxAliases, i => $"a{i}: __typename")} }}"));

        ShouldBeRefusedFor(response, "MaxAliases");
    }

    [Fact]
    public async Task Exactly_the_alias_limit_runs()
    {
        var response = (await Host.SendAsync(PostQuery($"{{ {Repeat(MaxAliases, i => $"a{i}: __typename")} }}"))).ShouldSucceed();

        Assert.Equal(MaxAliases, response.Data!.AsObject().Count);
    }

    [Fact]
    public async Task Ten_times_the_directive_limit_is_refused()
    {
        // The issue's @skip(if: false) x 10000, on one field: a quadratic check of duplicates.
        var response = await Host.SendAsync(PostQuery($"{{ __typename {Repeat(10 * MaxDirectives, _ => "@skip(if: false)")} }}"), apiKey: null);

        ShouldBeRefusedFor(response, "MaxDirectives");
    }

    [Fact]
    public async Task Exactly_the_directive_limit_runs()
    {
        var response = (await Host.SendAsync(PostQuery($"{{ {Repeat(MaxDirectives, i => $"a{i}: __typename @include(if: true)")} }}"))).ShouldSucceed();

        Assert.Equal(MaxDirectives, response.Data!.AsObject().Count);
    }

    [Fact]
    public async Task Ten_times_the_mutation_limit_is_refused_and_creates_nothing()
    {
        var marker = Records.NewMarker("m");
        var before = await Host.CountAsync("contacts");

        var response = await Host.SendAsync(PostQuery(
            $"mutation {{ {Repeat(10 * MaxMutations, i => $"c{i}: createContact(input: {{ name: \"{marker}\" }}) {{ contact {{ id }} }}")} }}"));

        ShouldBeRefusedFor(response, "MaxMutations");
        Assert.Equal(0, response.SqlStatements);
        Assert.Equal(before, await Host.CountAsync("contacts"));
    }

    [Fact]
    public async Task Mutations_spread_from_fragments_count_as_they_run()
    {
        var before = await Host.CountAsync("contacts");
        const string create = "createContact(input: { name: \"Spread\" }) { contact { id } }";

        // F spread twice runs its fields once (GraphQL merges them): two mutations, allowed.
        var merged = (await Host.SendAsync(PostQuery($"mutation {{ ...F ...F }} fragment F on Mutation {{ a: {create} b: {create} }}"))).ShouldSucceed();
        var three = await Host.SendAsync(PostQuery($"mutation {{ ...F c: {create} }} fragment F on Mutation {{ a: {create} b: {create} }}"));

        Assert.Equal(2, merged.Data!.AsObject().Count);
        ShouldBeRefusedFor(three, "MaxMutations");
        Assert.Equal(before + 2, await Host.CountAsync("contacts"));
    }

    [Fact]
    public async Task Exactly_the_mutation_limit_runs()
    {
        var marker = Records.NewMarker("m");
        var before = await Host.CountAsync("contacts");

        var response = (await Host.SendAsync(PostQuery(
            $"mutation {{ {Repeat(MaxMutations, i => $"c{i}: createContact(input: {{ name: \"{marker}\" }}) {{ contact {{ id }} }}")} }}"))).ShouldSucceed();

        Assert.Equal(MaxMutations, response.Data!.AsObject().Count);
        Assert.Equal(before + MaxMutations, await Host.CountAsync("contacts"));
    }

    /// <summary>The whole body of a request for the contact's comments.</summary>
    private async Task<(System.Net.HttpStatusCode Status, string Body)> CommentsAsync(string id)
    {
        using var raw = await Host.SendRawAsync(PostQuery("query($id: ID!) { contact(id: $id) { comments } }", new { id }));
        return (raw.StatusCode, await raw.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_response_of_exactly_the_size_limit_is_sent_and_one_byte_more_is_not()
    {
        var id = await Host.CreateContactAsync(new { name = "Sized", comments = new string('x', 1000) });
        var (_, measured) = await CommentsAsync(id);
        var exact = 1000 + MaxResponseBytes - System.Text.Encoding.UTF8.GetByteCount(measured);

        await Host.QueryAsync("mutation($id: ID!, $c: String) { updateContact(id: $id, input: { comments: $c }) { errors { code } } }", new { id, c = new string('x', exact) });
        var (status, fits) = await CommentsAsync(id);
        await Host.QueryAsync("mutation($id: ID!, $c: String) { updateContact(id: $id, input: { comments: $c }) { errors { code } } }", new { id, c = new string('x', exact + 1) });
        var over = await Host.SendAsync(PostQuery("query($id: ID!) { contact(id: $id) { comments } }", new { id }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(MaxResponseBytes, System.Text.Encoding.UTF8.GetByteCount(fits));
        Assert.Equal(HttpStatusCode.OK, over.Status);
        Assert.Null(over.Data);
        Assert.Equal(["LIMIT_EXCEEDED"], over.ErrorCodes);
        Assert.Contains("(GraphQL:MaxResponseBytes)", over.Errors[0]!.Message(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_times_the_response_limit_is_not_sent_but_its_mutation_is_done()
    {
        var before = await Host.CountAsync("contacts");

        // Three copies of comments a third of ten times the limit long (one is at most 20,000 characters).
        var response = await Host.SendAsync(PostQuery(
            "mutation($c: String) { createContact(input: { name: \"Large\", comments: $c }) { contact { a: comments b: comments c: comments } } }",
            new { c = new string('x', (10 * MaxResponseBytes / 3) + 1) }));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.Body.ContainsKey("data") && response.Data is null, response.Body.ToJsonString());
        Assert.Equal(["LIMIT_EXCEEDED"], response.ErrorCodes);
        Assert.Contains("carried out", response.Errors[0]!.Message(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await Host.CountAsync("contacts"));
    }
}

public sealed class DocumentLimitsSqliteHost() : ConfiguredHostFixture(Engine.Sqlite, DocumentLimitsTests.Settings);

public sealed class DocumentLimitsPostgresHost() : ConfiguredHostFixture(Engine.Postgres, DocumentLimitsTests.Settings);

[Trait("Engine", "Sqlite")]
public sealed class DocumentLimitsOnSqlite(DocumentLimitsSqliteHost fixture) : DocumentLimitsTests(fixture), IClassFixture<DocumentLimitsSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DocumentLimitsOnPostgres(DocumentLimitsPostgresHost fixture) : DocumentLimitsTests(fixture), IClassFixture<DocumentLimitsPostgresHost>;
