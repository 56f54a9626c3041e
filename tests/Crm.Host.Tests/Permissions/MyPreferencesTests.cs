using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Permissions;

/// <summary>
/// <c>myPreferences</c> and <c>setMyPreference</c>: any signed-in user keeps settings of their own
/// (no right needed), sees only their own, and every bound is refused before anything is written.
/// </summary>
public abstract class MyPreferencesTests(HostFixture fixture)
{
    private const string Set = "mutation($key: String!, $value: JSON) { setMyPreference(key: $key, value: $value) { preference { key value updatedAt } errors { code message path } } }";
    private const string Read = "query($keys: [String!]!) { myPreferences(keys: $keys) { key value } }";

    // The module's bounds (README, "Preferences"): the tests load modules as the host does, not as references.
    private const int MaxKeyLength = 100, MaxValueBytes = 32 * 1024, MaxKeysPerRead = 50, MaxPreferencesPerUser = 200;

    private CrmHost Host => fixture.Host;

    /// <summary>A user without any role, and an API key acting as them.</summary>
    private async Task<(string Id, string Key)> UserAsync(string prefix)
    {
        var (id, _, key) = await Host.NewUserWithKeyAsync(prefix);
        return (id, key);
    }

    private async Task<Dictionary<string, string>> ReadAsync(string apiKey, params string[] keys) =>
        (await Host.QueryAsync(Read, new { keys }, apiKey)).ShouldSucceed().Data!["myPreferences"]!.AsArray()
            .ToDictionary(p => p!["key"]!.GetValue<string>(), p => p!["value"]!.ToJsonString());

    private async Task<long> RowsAsync(string userId) =>
        Convert.ToInt64((await Host.QueryRowsAsync($"SELECT count(*) AS n FROM {Host.Table("permissions", "user_preferences")} WHERE user_id = @p0",
            long.Parse(userId, CultureInfo.InvariantCulture))).Single()["n"], CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_user_without_rights_keeps_replaces_and_removes_their_own_preferences_and_sees_no_one_elses()
    {
        var (_, mine) = await UserAsync("Pref");
        var (_, theirs) = await UserAsync("PrefOther");
        var columns = new JsonArray("title", "stageId", "opportunity");
        var set = (await Host.MutateAsync("setMyPreference", Set, new { key = "console.columns.DEAL", value = columns }, mine)).Ok();
        Assert.Equal(columns.ToJsonString(), set["preference"]!["value"]!.ToJsonString());
        (await Host.MutateAsync("setMyPreference", Set, new { key = "console.importMappings.deal", value = new { headers = new[] { "Tytuł" }, mapping = new { c0 = "title" } } }, mine)).Ok();

        // In the order asked for; a key never set is left out; another user has none of them.
        var read = await ReadAsync(mine, "console.importMappings.deal", "never.set", "console.columns.DEAL");
        Assert.Equal(["console.importMappings.deal", "console.columns.DEAL"], read.Keys);
        Assert.Equal("Tytuł", JsonNode.Parse(read["console.importMappings.deal"])!["headers"]![0]!.GetValue<string>());
        Assert.Empty(await ReadAsync(theirs, "console.columns.DEAL", "console.importMappings.deal"));

        (await Host.MutateAsync("setMyPreference", Set, new { key = "console.columns.DEAL", value = new JsonArray("title") }, mine)).Ok();
        Assert.Equal("[\"title\"]", (await ReadAsync(mine, "console.columns.DEAL"))["console.columns.DEAL"]);
        var removed = (await Host.MutateAsync("setMyPreference", Set, new { key = "console.columns.DEAL", value = (object?)null }, mine)).Ok();
        Assert.Null(removed["preference"]);
        Assert.Empty(await ReadAsync(mine, "console.columns.DEAL"));

        var anonymous = await Host.QueryAsync(Read, new { keys = new[] { "console.columns.DEAL" } }, apiKey: null);
        Assert.Contains("UNAUTHENTICATED", anonymous.ErrorCodes);
    }

    [Fact]
    public async Task Ten_times_each_bound_is_refused_before_anything_is_written()
    {
        var (id, key) = await UserAsync("PrefBound");
        var longKey = await Host.MutateAsync("setMyPreference", Set, new { key = new string('k', MaxKeyLength * 10), value = 1 }, key);
        Assert.Equal(("INVALID_VALUE", "key"), (longKey.ErrorCode(), longKey.ErrorPath()));
        var oddKey = await Host.MutateAsync("setMyPreference", Set, new { key = "columns deal; drop", value = 1 }, key);
        Assert.Equal(("INVALID_VALUE", "key"), (oddKey.ErrorCode(), oddKey.ErrorPath()));
        var big = await Host.MutateAsync("setMyPreference", Set, new { key = "big", value = new string('x', MaxValueBytes * 10) }, key);
        Assert.Equal(("LIMIT_EXCEEDED", "value"), (big.ErrorCode(), big.ErrorPath()));
        Assert.Equal(0, await RowsAsync(id));

        var manyKeys = await Host.QueryAsync(Read, new { keys = Enumerable.Range(0, MaxKeysPerRead * 10).Select(i => $"k{i}").ToArray() }, key);
        Assert.Contains("LIMIT_EXCEEDED", manyKeys.ErrorCodes);

        // The most keys a user keeps, then twenty new ones at once: none gets in, the count holds.
        for (var i = 0; i < MaxPreferencesPerUser; i += 20)
        {
            await Task.WhenAll(Enumerable.Range(i, 20).Select(async n => (await Host.MutateAsync("setMyPreference", Set, new { key = $"k{n}", value = n }, key)).Ok()));
        }

        var beyond = await Task.WhenAll(Enumerable.Range(0, 20).Select(n => Host.MutateAsync("setMyPreference", Set, new { key = $"more{n}", value = n }, key)));
        Assert.All(beyond, payload => Assert.Equal(("LIMIT_EXCEEDED", "key"), (payload.ErrorCode(), payload.ErrorPath())));
        Assert.Equal(MaxPreferencesPerUser, await RowsAsync(id));
        // A key already kept is still replaced at the limit.
        (await Host.MutateAsync("setMyPreference", Set, new { key = "k0", value = "again" }, key)).Ok();
    }

    [Fact]
    public async Task Twenty_parallel_writes_to_one_key_and_to_nineteen_new_ones_leave_one_row_each()
    {
        var (id, key) = await UserAsync("PrefPar");
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            (await Host.MutateAsync("setMyPreference", Set, new { key = "shared", value = new { writer = i } }, key)).Ok();
            (await Host.MutateAsync("setMyPreference", Set, new { key = $"own{i}", value = i }, key)).Ok();
        }));

        Assert.Equal(21, await RowsAsync(id));
        var shared = JsonNode.Parse((await ReadAsync(key, "shared"))["shared"])!;
        Assert.InRange(shared["writer"]!.GetValue<int>(), 0, 19);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class MyPreferencesTestsOnSqlite(SqliteHost fixture) : MyPreferencesTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class MyPreferencesTestsOnPostgres(PostgresHost fixture) : MyPreferencesTests(fixture), IClassFixture<PostgresHost>;
