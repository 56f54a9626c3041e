using Crm.Host.Currencies;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Currencies;

/// <summary>
/// <c>currencies</c>: the ISO 4217 currencies in use, named in Polish or English, the deployment's
/// default (here PLN, by Currencies:Default) first, then by code.
/// </summary>
public abstract class CurrenciesTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task The_default_comes_first_then_every_code_once_by_code_named_in_the_language_asked_for()
    {
        var english = await CurrenciesAsync("en");
        var polish = await CurrenciesAsync("pl-PL");

        Assert.Equal(CurrencyCatalog.All.Count, english.Count);
        Assert.Equal(("PLN", "Polish Zloty", true), english[0]);
        Assert.Equal(("PLN", "złoty polski", true), polish[0]);
        Assert.Equal(english.Select(c => c.Code), polish.Select(c => c.Code));
        Assert.Equal(english.Skip(1).Select(c => c.Code).Order(StringComparer.Ordinal), english.Skip(1).Select(c => c.Code));
        Assert.Equal(english.Count, english.Select(c => c.Code).Distinct().Count());
        Assert.All(english, c => Assert.Matches("^[A-Z]{3}$", c.Code));
        Assert.Single(english, c => c.Default);
        Assert.Contains(("EUR", "Euro", false), english);
        Assert.Contains(("EUR", "euro", false), polish);
        Assert.Contains(("USD", "dolar amerykański", false), polish);
        // Funds, metals and test codes are not currencies one prices in; a withdrawn code is gone, its successor there.
        Assert.DoesNotContain(english, c => c.Code is "XAU" or "XXX" or "CHE" or "HRK");
        Assert.Contains(english, c => c.Code == "XCG");
        // Any other language: English.
        Assert.Equal(english, await CurrenciesAsync("de"));
    }

    [Fact]
    public async Task Without_a_language_the_callers_own_is_used()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("cur-polish");
        (await Host.MutateAsync("updateUser", "mutation($id: ID!) { updateUser(id: $id, input: { language: \"pl\" }) { user { id } errors { code message } } }", new { id = userId })).Ok();

        var response = (await Host.QueryAsync("{ currencies { code name } }", apiKey: key)).ShouldSucceed();

        Assert.Equal("złoty polski", response.Data!["currencies"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("Polish Zloty", (await Host.QueryAsync("{ currencies { code name } }")).ShouldSucceed().Data!["currencies"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_language_of_ten_times_the_limit_is_refused()
    {
        var response = await Host.QueryAsync("query($l: String) { currencies(language: $l) { code } }", new { l = new string('p', 100) });

        var error = Assert.Single(response.Errors);
        Assert.Equal("LIMIT_EXCEEDED", error!["extensions"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public void A_default_that_is_no_currency_in_use_stops_the_host_and_none_means_USD()
    {
        Assert.Contains("Currencies:Default", Assert.Throws<InvalidOperationException>(() => new CurrencyCatalog("XYZ")).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new CurrencyCatalog("XAU"));
        Assert.Equal("USD", new CurrencyCatalog(null).Default.Code);
        Assert.Equal("EUR", new CurrencyCatalog(" eur ").Ordered[0].Code);
    }

    private async Task<List<(string Code, string Name, bool Default)>> CurrenciesAsync(string language) =>
        (await Host.QueryAsync("query($l: String) { currencies(language: $l) { code name default } }", new { l = language })).ShouldSucceed().Data!["currencies"]!.AsArray()
            .Select(c => (c!["code"]!.GetValue<string>(), c["name"]!.GetValue<string>(), c["default"]!.GetValue<bool>())).ToList();
}

public abstract class PolishDefaultCurrencyHost(Engine engine) : HostFixture(engine)
{
    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?> { [CurrencyCatalog.DefaultSetting] = "pln" };
}

public sealed class PolishDefaultCurrencySqliteHost() : PolishDefaultCurrencyHost(Engine.Sqlite);

public sealed class PolishDefaultCurrencyPostgresHost() : PolishDefaultCurrencyHost(Engine.Postgres);

[Trait("Engine", "Sqlite")]
public sealed class CurrenciesOnSqlite(PolishDefaultCurrencySqliteHost fixture) : CurrenciesTests(fixture), IClassFixture<PolishDefaultCurrencySqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class CurrenciesOnPostgres(PolishDefaultCurrencyPostgresHost fixture) : CurrenciesTests(fixture), IClassFixture<PolishDefaultCurrencyPostgresHost>;
