using System.Globalization;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Crm.Host.Tests.Permissions.PermissionHelpers;

namespace Crm.Host.Tests.Permissions;

/// <summary>A host whose clock the tests move (a <see cref="FakeTimeProvider"/>), and whose client addresses get 5 sign-ins a minute.</summary>
public abstract class ClockedHostFixture(Engine engine) : HostFixture(engine)
{
    public const int SignInsPerAddressPerMinute = 5;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Permissions:SignInsPerAddressPerMinute"] = SignInsPerAddressPerMinute.ToString(CultureInfo.InvariantCulture),
        // Room for every attempt the address budget lets through at once.
        ["Permissions:QueuedPasswordChecks"] = "100",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

public sealed class ClockedSqliteHost() : ClockedHostFixture(Engine.Sqlite);

public sealed class ClockedPostgresHost() : ClockedHostFixture(Engine.Postgres);

/// <summary>What time does to access tokens, refresh tokens, API keys and a client address's sign-ins: moved by the clock, never waited for.</summary>
public abstract class SignInTimeTests(ClockedHostFixture fixture)
{
    private const string Me = "{ me { id } }";

    private CrmHost Host => fixture.Host;

    private FakeTimeProvider Clock => fixture.Clock;

    [Fact]
    public async Task An_access_token_expires_says_so_and_its_refresh_token_gives_a_new_one()
    {
        var email = NewEmail("expiring");
        await Host.CreateUserAsync(new { email, name = "Expiring", password = Password });
        var login = (await Host.LoginAsync(email, Password)).Ok();
        var access = login["accessToken"]!.GetValue<string>();
        var expiresAt = DateTimeOffset.Parse(login["expiresAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromMinutes(15), expiresAt, TimeSpan.FromSeconds(1));

        Clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(2));
        (await Host.QueryAsync(Me, apiKey: access)).ShouldSucceed();
        Clock.Advance(TimeSpan.FromSeconds(2));
        using var client = Host.CreateClient(access);
        using (var raw = await client.PostAsync("/graphql", JsonBody(Me)))
        {
            var (reason, message) = (await GraphQLResponse.ReadAsync(raw)).ShouldBeUnauthenticated();
            Assert.Equal("ACCESS_TOKEN_EXPIRED", reason);
            Assert.Contains("refreshToken", message, StringComparison.Ordinal);
            Assert.Contains("error=\"invalid_token\"", raw.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        var refreshed = (await Host.RefreshAsync(login["refreshToken"]!.GetValue<string>())).Ok();
        (await Host.QueryAsync(Me, apiKey: refreshed["accessToken"]!.GetValue<string>())).ShouldSucceed();
    }

    [Fact]
    public async Task A_refresh_token_expires_after_its_lifetime_and_each_refresh_starts_a_new_one()
    {
        var email = NewEmail("lasting");
        await Host.CreateUserAsync(new { email, name = "Lasting", password = Password });
        var first = (await Host.LoginAsync(email, Password)).Ok();

        // Each refresh gives a refresh token good for 30 days from then.
        Clock.Advance(TimeSpan.FromDays(20));
        var second = (await Host.RefreshAsync(first["refreshToken"]!.GetValue<string>())).Ok();
        Clock.Advance(TimeSpan.FromDays(20));
        var third = (await Host.RefreshAsync(second["refreshToken"]!.GetValue<string>())).Ok();

        Clock.Advance(TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1));
        var expired = await Host.RefreshAsync(third["refreshToken"]!.GetValue<string>());
        Assert.Equal("INVALID_TOKEN", expired.ErrorCode());
        Assert.Contains("expired", expired["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("ACCESS_TOKEN_EXPIRED", (await Host.QueryAsync(Me, apiKey: third["accessToken"]!.GetValue<string>())).ShouldBeUnauthenticated().Reason);
    }

    [Fact]
    public async Task An_api_key_stops_working_when_the_clock_passes_its_expiry()
    {
        var (id, _, _) = await Host.NewUserWithKeyAsync("expiring-key");
        var key = await Host.CreateApiKeyAsync(id, Clock.GetUtcNow().AddHours(1));
        // Used (and so cached) while valid ...
        (await Host.QueryAsync(Me, apiKey: key)).ShouldSucceed();
        Clock.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        (await Host.QueryAsync(Me, apiKey: key)).ShouldSucceed();

        // ... and refused the moment it expires, whatever the cache holds.
        Clock.Advance(TimeSpan.FromSeconds(1));
        var (reason, message) = (await Host.QueryAsync(Me, apiKey: key)).ShouldBeUnauthenticated();
        Assert.Equal("API_KEY_EXPIRED", reason);
        Assert.Contains("expired at", message, StringComparison.Ordinal);

        var past = await Host.MutateAsync("createApiKey", "mutation { createApiKey(input: { userId: \"1\", name: \"old\", expiresAt: \"2020-01-01T00:00:00Z\" }) { key errors { code message path } } }");
        Assert.Equal("INVALID_VALUE", past.ErrorCode());
        Assert.Equal("input.expiresAt", past.ErrorPath());
    }

    [Fact]
    public async Task A_client_address_gets_its_sign_ins_per_minute_and_ten_times_as_many_are_refused_unchecked()
    {
        const int budget = ClockedHostFixture.SignInsPerAddressPerMinute;
        using var meter = new SignInMeter(Host.Services);
        var address = NewClientAddress();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10 * budget)
            .Select(i => Task.Run(() => Host.LoginAsync(NewEmail("flood" + i), "wrong password", from: address))));

        Assert.Equal(budget, answers.Count(a => a.ErrorCode() == "INVALID_CREDENTIALS"));
        var refused = answers.Where(a => a.ErrorCode() == "TOO_MANY_ATTEMPTS").ToList();
        Assert.Equal(9 * budget, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Contains("from this client address", a["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            var retryAt = DateTimeOffset.Parse(a["retryAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            Assert.InRange(retryAt - Clock.GetUtcNow(), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        });
        Assert.Equal(budget, meter.PasswordChecks);
        Assert.Equal(9 * budget, meter.Refusals("address"));

        // Another address is not affected; this one gets its sign-ins back as the minute passes.
        Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(NewEmail("elsewhere"), "wrong password")).ErrorCode());
        Clock.Advance(TimeSpan.FromMinutes(1));
        var later = new List<string>();
        for (var i = 0; i <= budget; i++)
        {
            later.Add((await Host.LoginAsync(NewEmail("later"), "wrong password", from: address)).ErrorCode());
        }

        Assert.Equal([.. Enumerable.Repeat("INVALID_CREDENTIALS", budget), "TOO_MANY_ATTEMPTS"], later);
    }

    private static StringContent JsonBody(string query) =>
        new(System.Text.Json.JsonSerializer.Serialize(new { query }), System.Text.Encoding.UTF8, "application/json");
}

[Trait("Engine", "Sqlite")]
public sealed class SignInTimeTestsOnSqlite(ClockedSqliteHost fixture) : SignInTimeTests(fixture), IClassFixture<ClockedSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SignInTimeTestsOnPostgres(ClockedPostgresHost fixture) : SignInTimeTests(fixture), IClassFixture<ClockedPostgresHost>;
