using System.Net;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.Permissions.PermissionHelpers;

namespace Crm.Host.Tests.Permissions;

/// <summary>login, refreshToken (rotation, and reuse ending the session), logout, and API keys that are revoked or belong to a disabled user.</summary>
public abstract class SignInTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private const string Me = "{ me { id email } }";

    [Fact]
    public async Task Login_refresh_and_logout_without_any_other_credentials()
    {
        var email = NewEmail("signin");
        var id = await Host.CreateUserAsync(new { email, name = "Sign", lastName = "In", password = Password });

        // Any case of the e-mail signs in; no Authorization header needed.
        var login = (await Host.LoginAsync(email.ToUpperInvariant(), Password)).Ok();
        var access = login["accessToken"]!.GetValue<string>();
        var refresh = login["refreshToken"]!.GetValue<string>();
        var expiresAt = DateTimeOffset.Parse(login["expiresAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(16));

        var me = (await Host.QueryAsync(Me, apiKey: access)).ShouldSucceed();
        Assert.Equal(id, me.Data!["me"]!["id"]!.GetValue<string>());

        // Refreshing rotates: the old access token stops working, and says why.
        var refreshed = (await Host.RefreshAsync(refresh)).Ok();
        var access2 = refreshed["accessToken"]!.GetValue<string>();
        var refresh2 = refreshed["refreshToken"]!.GetValue<string>();
        Assert.NotEqual(access, access2);
        var (replaced, replacedMessage) = (await Host.QueryAsync(Me, apiKey: access)).ShouldBeUnauthenticated();
        Assert.Equal("ACCESS_TOKEN_REPLACED", replaced);
        Assert.Contains("newest access token", replacedMessage, StringComparison.Ordinal);
        (await Host.QueryAsync(Me, apiKey: access2)).ShouldSucceed();

        var logout = (await Host.MutateAsync("logout", "mutation { logout { loggedOut errors { code message path } } }", apiKey: access2)).Ok();
        Assert.True(logout["loggedOut"]!.GetValue<bool>());
        var (ended, endedMessage) = (await Host.QueryAsync(Me, apiKey: access2)).ShouldBeUnauthenticated();
        Assert.Equal("SESSION_ENDED", ended);
        Assert.Contains("logged out", endedMessage, StringComparison.Ordinal);
        var refreshAfterLogout = await Host.RefreshAsync(refresh2);
        Assert.Equal("INVALID_TOKEN", refreshAfterLogout.ErrorCode());
        Assert.Contains("logged out", refreshAfterLogout["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replaying_a_replaced_refresh_token_ends_the_whole_session()
    {
        var email = NewEmail("replayed");
        await Host.CreateUserAsync(new { email, name = "Replayed", password = Password });
        var first = (await Host.LoginAsync(email, Password)).Ok();
        var stolen = first["refreshToken"]!.GetValue<string>();

        // The user goes on refreshing ...
        var second = (await Host.RefreshAsync(stolen)).Ok();
        var third = (await Host.RefreshAsync(second["refreshToken"]!.GetValue<string>())).Ok();
        var usersAccess = third["accessToken"]!.GetValue<string>();
        var usersRefresh = third["refreshToken"]!.GetValue<string>();
        (await Host.QueryAsync(Me, apiKey: usersAccess)).ShouldSucceed();

        // ... then a copy of the first refresh token is played back.
        var replay = await Host.RefreshAsync(stolen);
        Assert.Equal("INVALID_TOKEN", replay.ErrorCode());
        Assert.Null(replay["accessToken"]);
        Assert.Contains("already used", replay["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // Every token of the session is dead: the user's newest ones too.
        var (reason, message) = (await Host.QueryAsync(Me, apiKey: usersAccess)).ShouldBeUnauthenticated();
        Assert.Equal("SESSION_ENDED", reason);
        Assert.Contains("used a second time", message, StringComparison.Ordinal);
        Assert.Equal("INVALID_TOKEN", (await Host.RefreshAsync(usersRefresh)).ErrorCode());
        await AssertSessionEndedForReuseAsync(email, rotations: 2);

        // Signing in again starts a new session.
        var again = (await Host.LoginAsync(email, Password)).Ok();
        (await Host.QueryAsync(Me, apiKey: again["accessToken"]!.GetValue<string>())).ShouldSucceed();
    }

    [Fact]
    public async Task Concurrent_refreshes_with_one_token_give_new_tokens_once_and_end_the_session()
    {
        var email = NewEmail("racing");
        await Host.CreateUserAsync(new { email, name = "Racing", password = Password });
        var refresh = (await Host.LoginAsync(email, Password)).Ok()["refreshToken"]!.GetValue<string>();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => Host.RefreshAsync(refresh))));

        // One exchange wins; every other is a second use of the token, which ends the session ...
        var won = Assert.Single(answers, a => a["errors"]!.AsArray().Count == 0);
        Assert.All(answers.Where(a => a != won), a => Assert.Equal("INVALID_TOKEN", a.ErrorCode()));
        // ... so the winner's new tokens stop working too.
        Assert.Equal("SESSION_ENDED", (await Host.QueryAsync(Me, apiKey: won["accessToken"]!.GetValue<string>())).ShouldBeUnauthenticated().Reason);
        Assert.Equal("INVALID_TOKEN", (await Host.RefreshAsync(won["refreshToken"]!.GetValue<string>())).ErrorCode());
        await AssertSessionEndedForReuseAsync(email, rotations: 1);
    }

    /// <summary>The user's only session, in the database: ended for reuse, after this many rotations.</summary>
    private async Task AssertSessionEndedForReuseAsync(string email, int rotations)
    {
        var sessions = await Host.QueryRowsAsync(
            $"SELECT s.id, s.revoked_at, s.end_reason FROM {Host.Table("permissions", "sessions")} s JOIN {Host.Table("permissions", "users")} u ON u.id = s.user_id WHERE u.normalized_email = @p0",
            email.ToLowerInvariant());
        var session = Assert.Single(sessions);
        Assert.NotNull(session["revoked_at"]);
        Assert.Equal("REFRESH_TOKEN_REUSED", session["end_reason"]);
        var rotated = await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", "rotated_tokens")} WHERE session_id = @p0", session["id"]!);
        Assert.Equal(rotations, rotated.Count);
    }

    [Fact]
    public async Task Anonymous_callers_may_sign_in_but_nothing_else()
    {
        var response = await Host.QueryAsync("mutation { login(email: \"x@example.com\", password: \"0123456789\") { accessToken } createRole(input: { name: \"x\" }) { errors { code } } }", apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.QueryAsync("{ users { id } }", apiKey: null)).Status);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_get_the_same_answer()
    {
        var email = NewEmail("same");
        await Host.CreateUserAsync(new { email, name = "Same", password = Password });
        var wrong = await Host.LoginAsync(email, "not the password");
        var unknown = await Host.LoginAsync(NewEmail("nobody"), "not the password");
        Assert.Equal("INVALID_CREDENTIALS", wrong.ErrorCode());
        Assert.Equal(wrong["errors"]!.ToJsonString(), unknown["errors"]!.ToJsonString());
        Assert.Null(wrong["accessToken"]);

        // A user without a password (the bootstrap administrator, at first) cannot sign in either.
        Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync("admin@localhost", "")).ErrorCode());
    }

    [Fact]
    public async Task A_revoked_api_key_is_refused_on_the_next_request_and_keys_are_listed_without_the_key()
    {
        var (id, _, key) = await Host.NewUserWithKeyAsync("revoked");
        (await Host.QueryAsync(Me, apiKey: key)).ShouldSucceed();
        var keys = (await Host.QueryAsync("{ apiKeys { id name prefix userId createdAt expiresAt revokedAt } }")).ShouldSucceed();
        var listed = keys.Data!["apiKeys"]!.AsArray().Single(k => k!["userId"]!.GetValue<string>() == id)!;
        Assert.StartsWith(listed["prefix"]!.GetValue<string>(), key, StringComparison.Ordinal);
        Assert.DoesNotContain(key, keys.Body.ToJsonString(), StringComparison.Ordinal);

        var revoked = (await Host.MutateAsync("revokeApiKey", "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } errors { code message path } } }",
            new { id = listed["id"]!.GetValue<string>() })).Ok();
        Assert.NotNull(revoked["apiKey"]!["revokedAt"]);
        var (reason, message) = (await Host.QueryAsync(Me, apiKey: key)).ShouldBeUnauthenticated();
        Assert.Equal("API_KEY_REVOKED", reason);
        Assert.Contains("revoked", message, StringComparison.Ordinal);

        var missing = await Host.MutateAsync("revokeApiKey", "mutation { revokeApiKey(id: \"999999\") { errors { code message path } } }");
        Assert.Equal("NOT_FOUND", missing.ErrorCode());
    }

    [Fact]
    public async Task A_disabled_users_keys_and_tokens_are_refused_and_they_cannot_sign_in()
    {
        var (id, email, key) = await Host.NewUserWithKeyAsync("disabled");
        var access = (await Host.LoginAsync(email, Password)).Ok()["accessToken"]!.GetValue<string>();
        (await Host.QueryAsync(Me, apiKey: key)).ShouldSucceed();
        (await Host.QueryAsync(Me, apiKey: access)).ShouldSucceed();

        (await Host.MutateAsync("updateUser", "mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { user { active } errors { code message path } } }", new { id })).Ok();
        Assert.Equal("USER_DISABLED", (await Host.QueryAsync(Me, apiKey: key)).ShouldBeUnauthenticated().Reason);
        var (reason, message) = (await Host.QueryAsync(Me, apiKey: access)).ShouldBeUnauthenticated();
        Assert.Equal("SESSION_ENDED", reason);
        Assert.Contains("disabled", message, StringComparison.Ordinal);
        Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(email, Password)).ErrorCode());
        var keyForDisabled = await Host.MutateAsync("createApiKey", "mutation($id: ID!) { createApiKey(input: { userId: $id, name: \"k\" }) { key errors { code message path } } }", new { id });
        Assert.Equal("NOT_FOUND", keyForDisabled.ErrorCode());

        // Enabled again: the key works again; the old session stays ended.
        (await Host.MutateAsync("updateUser", "mutation($id: ID!) { updateUser(id: $id, input: { active: true }) { user { active } errors { code message path } } }", new { id })).Ok();
        (await Host.QueryAsync(Me, apiKey: key)).ShouldSucceed();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.QueryAsync(Me, apiKey: access)).Status);
    }

    [Fact]
    public async Task The_bootstrap_administrator_is_user_1_and_cannot_be_disabled()
    {
        var me = (await Host.QueryAsync("{ me { id email isAdministrator canConfigure permissions { entityType action level } } }")).ShouldSucceed().Data!["me"]!;
        Assert.Equal("1", me["id"]!.GetValue<string>());
        Assert.Equal("admin@localhost", me["email"]!.GetValue<string>());
        Assert.True(me["isAdministrator"]!.GetValue<bool>());
        Assert.Contains(me["permissions"]!.AsArray(), p => p!["entityType"]!.GetValue<string>() == "DEAL" && p["action"]!.GetValue<string>() == "DELETE" && p["level"]!.GetValue<string>() == "ALL");
        var refused = await Host.MutateAsync("updateUser", "mutation { updateUser(id: \"1\", input: { active: false }) { errors { code message path } } }");
        Assert.Equal("INVALID_VALUE", refused.ErrorCode());
        Assert.Equal("input.active", refused.ErrorPath());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SignInTestsOnSqlite(SqliteHost fixture) : SignInTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SignInTestsOnPostgres(PostgresHost fixture) : SignInTests(fixture), IClassFixture<PostgresHost>;
