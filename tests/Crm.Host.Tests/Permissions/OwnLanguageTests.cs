using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Permissions;

/// <summary>
/// <c>updateMyLanguage</c>: any signed-in user sets their own language (no settings right), one
/// of the supported ones, and it is what <c>me.language</c> says from then on.
/// </summary>
public abstract class OwnLanguageTests(HostFixture fixture)
{
    private const string Update = "mutation($language: String!) { updateMyLanguage(language: $language) { user { id language } errors { code message path } } }";

    private CrmHost Host => fixture.Host;

    /// <summary>A user without any role, and an API key acting as them.</summary>
    private async Task<(string Id, string Key)> UserAsync(string prefix)
    {
        var id = await Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail(prefix), name = prefix });
        var key = (await Host.MutateAsync("createApiKey", "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key errors { code message } } }",
            new { input = new { userId = id, name = "language" } })).Ok()["key"]!.GetValue<string>();
        return (id, key);
    }

    private async Task<string> MyLanguageAsync(string key) =>
        (await Host.QueryAsync("{ me { language } }", apiKey: key)).ShouldSucceed().Data!["me"]!["language"]!.GetValue<string>();

    [Fact]
    public async Task A_user_without_rights_sets_their_own_language_and_me_says_it()
    {
        var (id, key) = await UserAsync("Lang");
        Assert.Equal("en", await MyLanguageAsync(key));

        var set = (await Host.MutateAsync("updateMyLanguage", Update, new { language = "PL" }, key)).Ok();
        Assert.Equal(id, set["user"]!["id"]!.GetValue<string>());
        Assert.Equal("pl", set["user"]!["language"]!.GetValue<string>());
        Assert.Equal("pl", await MyLanguageAsync(key));
    }

    [Fact]
    public async Task An_unsupported_language_and_ten_times_the_longest_code_are_refused_and_nothing_changes()
    {
        var (_, key) = await UserAsync("LangNo");
        var german = await Host.MutateAsync("updateMyLanguage", Update, new { language = "de" }, key);
        Assert.Equal("INVALID_VALUE", german.ErrorCode());
        Assert.Equal("language", german.ErrorPath());
        var huge = await Host.MutateAsync("updateMyLanguage", Update, new { language = new string('p', 100) }, key);
        Assert.Equal("INVALID_VALUE", huge.ErrorCode());
        Assert.Equal("en", await MyLanguageAsync(key));

        var anonymous = await Host.QueryAsync(Update, new { language = "pl" }, apiKey: null);
        Assert.Contains("UNAUTHENTICATED", anonymous.ErrorCodes);
    }

    [Fact]
    public async Task Twenty_parallel_changes_of_language_and_of_the_profile_all_stay()
    {
        var (id, key) = await UserAsync("LangPar");
        var names = Enumerable.Range(0, 10).Select(i => $"Name {i}").ToList();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? Host.MutateAsync("updateMyLanguage", Update, new { language = "pl" }, key).ContinueWith(t => t.Result.Ok(), TaskScheduler.Default)
            : Host.MutateAsync("updateUser", "mutation($id: ID!, $name: String!) { updateUser(id: $id, input: { name: $name }) { errors { code message path } } }",
                new { id, name = names[i / 2] }).ContinueWith(t => t.Result.Ok(), TaskScheduler.Default)));

        var user = (await Host.QueryAsync("query($id: ID!) { user(id: $id) { name language } }", new { id })).ShouldSucceed().Data!["user"]!;
        Assert.Equal("pl", user["language"]!.GetValue<string>());
        Assert.Contains(user["name"]!.GetValue<string>(), names);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class OwnLanguageTestsOnSqlite(SqliteHost fixture) : OwnLanguageTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class OwnLanguageTestsOnPostgres(PostgresHost fixture) : OwnLanguageTests(fixture), IClassFixture<PostgresHost>;
