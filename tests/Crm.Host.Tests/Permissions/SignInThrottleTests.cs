using Crm.Host.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using static Crm.Host.Tests.Permissions.PermissionHelpers;

namespace Crm.Host.Tests.Permissions;

/// <summary>
/// A host whose addresses may sign in often and whose password checks may all run at once (so
/// that the e-mail throttle alone decides), whose
/// e-mails lock for everyone after 8 failures, and which trusts one reverse proxy.
/// </summary>
public abstract class ThrottledHostFixture(Engine engine) : IAsyncLifetime
{
    public const string Proxy = "10.9.9.9";
    public const int MaxFailuresPerEmail = 8;
    private CrmHost? _host;

    public CrmHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() =>
        _host = await CrmHost.StartAsync(engine, new Dictionary<string, string?>
        {
            ["Permissions:SignInsPerAddressPerMinute"] = "1000",
            // Every attempt reaches the throttle at once: the host's own budget would otherwise
            // take them one by one (on two cores), and so hide a throttle that can be raced.
            ["Permissions:ConcurrentPasswordChecks"] = "100",
            ["Permissions:QueuedPasswordChecks"] = "100",
            ["Permissions:MaxFailuresPerEmail"] = MaxFailuresPerEmail.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Network:TrustedProxies"] = Proxy,
        });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public sealed class ThrottledSqliteHost() : ThrottledHostFixture(Engine.Sqlite);

public sealed class ThrottledPostgresHost() : ThrottledHostFixture(Engine.Postgres);

/// <summary>
/// The e-mail throttle: atomic under concurrency (one host or two on one database), the lockout
/// of addresses that failed while others may still sign in, the cap over all addresses, the
/// client address behind a reverse proxy, and the host's overall budget of password checks.
/// </summary>
public abstract class SignInThrottleTests(ThrottledHostFixture fixture)
{
    private const string Wrong = "wrong password";

    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task Forty_concurrent_wrong_passwords_for_one_email_get_five_real_checks()
    {
        var email = NewEmail("raced");
        await Host.CreateUserAsync(new { email, name = "Raced", password = Password });
        var address = NewClientAddress();
        using var meter = new SignInMeter(Host.Services);

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => Host.LoginAsync(email, Wrong, from: address))));

        Assert.Equal(5, answers.Count(a => a.ErrorCode() == "INVALID_CREDENTIALS"));
        Assert.Equal(35, answers.Count(a => a.ErrorCode() == "TOO_MANY_ATTEMPTS"));
        Assert.Equal(5, meter.PasswordChecks);
        Assert.Equal(5, await FailuresAsync(email, address));

        // The lock holds for the right password too, and costs no check.
        Assert.Equal("TOO_MANY_ATTEMPTS", (await Host.LoginAsync(email, Password, from: address)).ErrorCode());
        Assert.Equal(5, meter.PasswordChecks);
    }

    [Fact]
    public async Task Two_hosts_on_one_database_count_each_others_failures()
    {
        var email = NewEmail("shared");
        await Host.CreateUserAsync(new { email, name = "Shared", password = Password });
        var address = NewClientAddress();
        await using var other = Host.WithWebHostBuilder(_ => { });
        using var meter = new SignInMeter(Host.Services);
        using var otherMeter = new SignInMeter(other.Services);

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => (i % 2 == 0 ? Host : (WebApplicationFactory<Program>)other).LoginAsync(email, Wrong, from: address))));

        Assert.Equal(5, answers.Count(a => a.ErrorCode() == "INVALID_CREDENTIALS"));
        Assert.Equal(35, answers.Count(a => a.ErrorCode() == "TOO_MANY_ATTEMPTS"));
        Assert.Equal(5, meter.PasswordChecks + otherMeter.PasswordChecks);
        Assert.Equal(5, await FailuresAsync(email, address));
    }

    [Fact]
    public async Task After_five_failures_the_addresses_that_failed_are_locked_and_others_may_still_sign_in()
    {
        var email = NewEmail("targeted");
        await Host.CreateUserAsync(new { email, name = "Targeted", password = Password });
        var attacker = NewClientAddress();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(email, Wrong + i, from: attacker)).ErrorCode());
        }

        var locked = await Host.LoginAsync(email, Password, from: attacker);
        Assert.Equal("TOO_MANY_ATTEMPTS", locked.ErrorCode());
        Assert.Equal("email", locked.ErrorPath());
        Assert.Contains("from this client address", locked["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(locked["retryAt"]);
        Assert.Null(locked["accessToken"]);

        // The owner, from an address that has not failed, signs in; the attacker stays locked.
        var owner = NewClientAddress();
        (await Host.LoginAsync(email, Password, from: owner)).Ok();
        Assert.Equal("TOO_MANY_ATTEMPTS", (await Host.LoginAsync(email, Password, from: attacker)).ErrorCode());

        // A fresh address gets one try while the e-mail is locked: one failure locks it too.
        var another = NewClientAddress();
        Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(email, Wrong, from: another)).ErrorCode());
        Assert.Equal("TOO_MANY_ATTEMPTS", (await Host.LoginAsync(email, Password, from: another)).ErrorCode());

        // An unknown e-mail is throttled just the same: the answers tell nothing about which exist.
        var ghost = NewEmail("ghost");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(ghost, Wrong + i, from: attacker)).ErrorCode());
        }

        var ghostLocked = await Host.LoginAsync(ghost, Password, from: attacker);
        Assert.Equal(locked["errors"]![0]!["code"]!.GetValue<string>(), ghostLocked.ErrorCode());
        Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(ghost, Password, from: owner)).ErrorCode());
    }

    [Fact]
    public async Task Past_the_failures_allowed_from_all_addresses_together_every_address_is_refused()
    {
        var email = NewEmail("besieged");
        await Host.CreateUserAsync(new { email, name = "Besieged", password = Password });
        var first = NewClientAddress();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(email, Wrong, from: first)).ErrorCode());
        }

        for (var i = 5; i < ThrottledHostFixture.MaxFailuresPerEmail; i++)
        {
            Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(email, Wrong)).ErrorCode());
        }

        using var meter = new SignInMeter(Host.Services);
        var refused = await Host.LoginAsync(email, Password);
        Assert.Equal("TOO_MANY_ATTEMPTS", refused.ErrorCode());
        Assert.Contains("from many addresses", refused["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, meter.PasswordChecks);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_forwarded_client_counts_and_anyone_elses_forwarding_is_ignored()
    {
        var email = NewEmail("proxied");
        await Host.CreateUserAsync(new { email, name = "Proxied", password = Password });
        const string client = "203.0.113.7";

        // Through the proxy, with a client that wrote its own X-Forwarded-For first: the proxy's entry counts.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("INVALID_CREDENTIALS", (await LoginViaAsync(ThrottledHostFixture.Proxy, $"192.0.2.{i + 1}, {client}", email, Wrong)).ErrorCode());
        }

        Assert.Equal("TOO_MANY_ATTEMPTS", (await LoginViaAsync(ThrottledHostFixture.Proxy, client, email, Password)).ErrorCode());
        Assert.Equal(5, await FailuresAsync(email, client));
        (await LoginViaAsync(ThrottledHostFixture.Proxy, "203.0.113.8", email, Password)).Ok();

        // From a peer that is not a trusted proxy, X-Forwarded-For is the client's own claim: ignored.
        var other = NewEmail("unproxied");
        await Host.CreateUserAsync(new { email = other, name = "Unproxied", password = Password });
        var peer = NewClientAddress();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("INVALID_CREDENTIALS", (await LoginViaAsync(peer, $"203.0.113.{20 + i}", other, Wrong)).ErrorCode());
        }

        Assert.Equal("TOO_MANY_ATTEMPTS", (await LoginViaAsync(peer, "203.0.113.99", other, Password)).ErrorCode());
        Assert.Equal(5, await FailuresAsync(other, peer));
    }

    [Fact]
    public async Task An_ipv6_client_is_counted_by_its_64_bit_prefix()
    {
        var email = NewEmail("six");
        await Host.CreateUserAsync(new { email, name = "Six", password = Password });
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("INVALID_CREDENTIALS", (await Host.LoginAsync(email, Wrong, from: $"2001:db8:1:2::{i + 1:x}")).ErrorCode());
        }

        Assert.Equal("TOO_MANY_ATTEMPTS", (await Host.LoginAsync(email, Password, from: "2001:db8:1:2:ffff:ffff:ffff:ffff")).ErrorCode());
        Assert.Equal(5, await FailuresAsync(email, "2001:db8:1:2::/64"));
        (await Host.LoginAsync(email, Password, from: "2001:db8:1:3::1")).Ok();
    }

    [Fact]
    public async Task Ten_times_the_password_checks_a_host_takes_at_once_are_refused_as_busy_and_the_host_keeps_answering()
    {
        // One check at a time and two waiting: thirty sign-ins from thirty addresses at once.
        await using var host = await CrmHost.StartAsync(fixture.Host.Engine, new Dictionary<string, string?>
        {
            ["Permissions:ConcurrentPasswordChecks"] = "1",
            ["Permissions:QueuedPasswordChecks"] = "2",
        });
        using var meter = new SignInMeter(host.Services);

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(() => host.LoginAsync(NewEmail("busy" + i), Wrong))));

        Assert.Equal(1, meter.MostAtOnce);
        var busy = answers.Where(a => a.ErrorCode() == "TOO_MANY_ATTEMPTS").ToList();
        Assert.NotEmpty(busy);
        Assert.All(busy, a =>
        {
            Assert.Contains("busy", a["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.NotNull(a["retryAt"]);
        });
        Assert.Equal(30 - busy.Count, answers.Count(a => a.ErrorCode() == "INVALID_CREDENTIALS"));
        Assert.Equal(30 - busy.Count, meter.PasswordChecks);
        Assert.Equal(busy.Count, meter.Refusals("busy"));
        (await host.QueryAsync("{ me { id } }")).ShouldSucceed();
    }

    /// <summary>A sign-in whose TCP peer is <paramref name="peer"/>, sent with an X-Forwarded-For header.</summary>
    private async Task<System.Text.Json.Nodes.JsonNode> LoginViaAsync(string peer, string forwardedFor, string email, string password)
    {
        var response = await Host.PostFromAsync(peer, LoginMutation, new { email, password }, headers: new Dictionary<string, string> { ["X-Forwarded-For"] = forwardedFor });
        return response.ShouldSucceed().Data!["login"]!;
    }

    /// <summary>The failures the database holds for an e-mail from an address (the address as the throttle keys it).</summary>
    private async Task<int> FailuresAsync(string email, string address) =>
        (await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("permissions", "login_failures")} WHERE email = @p0 AND client_address = @p1",
            email.ToLowerInvariant(), address)).Count;
}

[Trait("Engine", "Sqlite")]
public sealed class SignInThrottleTestsOnSqlite(ThrottledSqliteHost fixture) : SignInThrottleTests(fixture), IClassFixture<ThrottledSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SignInThrottleTestsOnPostgres(ThrottledPostgresHost fixture) : SignInThrottleTests(fixture), IClassFixture<ThrottledPostgresHost>;
