using System.Net;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.Permissions.PermissionHelpers;

namespace Crm.Host.Tests.Permissions;

/// <summary>login, refreshToken, logout, throttling, and API keys that expire, are revoked or belong to a disabled user.</summary>
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

        // Refreshing rotates: the old refresh and access tokens stop working.
        var refreshed = (await Host.MutateAsync("refreshToken",
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken expiresAt errors { code message path } } }", new { t = refresh }, apiKey: null)).Ok();
        var access2 = refreshed["accessToken"]!.GetValue<string>();
        var refresh2 = refreshed["refreshToken"]!.GetValue<string>();
        Assert.NotEqual(access, access2);
        var again = await Host.MutateAsync("refreshToken",
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken errors { code message path } } }", new { t = refresh }, apiKey: null);
        Assert.Equal("INVALID_TOKEN", again.ErrorCode());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.QueryAsync(Me, apiKey: access)).Status);
        (await Host.QueryAsync(Me, apiKey: access2)).ShouldSucceed();

        var logout = (await Host.MutateAsync("logout", "mutation { logout { loggedOut errors { code message path } } }", apiKey: access2)).Ok();
        Assert.True(logout["loggedOut"]!.GetValue<bool>());
        var after = await Host.QueryAsync(Me, apiKey: access2);
        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
        Assert.Equal("UNAUTHENTICATED", after.ErrorCodes.Single());
        var refreshAfterLogout = await Host.MutateAsync("refreshToken",
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken errors { code message path } } }", new { t = refresh2 }, apiKey: null);
        Assert.Equal("INVALID_TOKEN", refreshAfterLogout.ErrorCode());
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
    public async Task Five_failures_within_the_window_lock_the_email_even_for_the_right_password()
    {
        var email = NewEmail("throttled");
        await Host.CreateUserAsync(new { email, name = "Throttled", password = Password });
        var unknown = NewEmail("ghost");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(email, "wrong password " + i)).ErrorCode());
            Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(unknown, "wrong password " + i)).ErrorCode());
        }

        var locked = await Host.LoginAsync(email, Password);
        Assert.Equal("TOO_MANY_ATTEMPTS", locked.ErrorCode());
        Assert.Contains("try again in", locked["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(locked["accessToken"]);
        Assert.Equal("TOO_MANY_ATTEMPTS", (await Host.LoginAsync(unknown, Password)).ErrorCode());

        // Another e-mail is not affected.
        var other = NewEmail("free");
        await Host.CreateUserAsync(new { email = other, name = "Free", password = Password });
        (await Host.LoginAsync(other, Password)).Ok();
    }

    [Fact]
    public async Task An_expired_api_key_is_refused()
    {
        var (id, _, _) = await Host.NewUserWithKeyAsync("expiring");
        var key = await Host.CreateApiKeyAsync(id, DateTimeOffset.UtcNow.AddSeconds(2));
        (await Host.QueryAsync(Me, apiKey: key)).ShouldSucceed();
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.QueryAsync(Me, apiKey: key)).Status);

        var past = await Host.MutateAsync("createApiKey", "mutation { createApiKey(input: { userId: \"1\", name: \"old\", expiresAt: \"2020-01-01T00:00:00Z\" }) { key errors { code message path } } }");
        Assert.Equal("INVALID_VALUE", past.ErrorCode());
        Assert.Equal("input.expiresAt", past.ErrorPath());
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
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.QueryAsync(Me, apiKey: key)).Status);

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
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.QueryAsync(Me, apiKey: key)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.QueryAsync(Me, apiKey: access)).Status);
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
