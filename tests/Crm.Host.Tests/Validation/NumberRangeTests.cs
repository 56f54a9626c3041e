using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Validation;

/// <summary>Built-in number fields hold only what they mean: a probability in percent, amounts that are not negative.</summary>
public abstract class NumberRangeTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<IReadOnlyList<(string Code, string Path)>> CreateAsync(string type, object input)
    {
        var response = (await Host.QueryAsync(
            $"mutation($input: Create{type}Input!) {{ create{type}(input: $input) {{ errors {{ code message path }} }} }}", new { input })).ShouldSucceed();
        return response.Data![$"create{type}"]!["errors"]!.AsArray()
            .Select(e => (e!["code"]!.GetValue<string>(), string.Join('/', e["path"]!.AsArray().Select(p => p!.GetValue<string>()))))
            .ToList();
    }

    [Theory]
    [InlineData(-5, false)]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(100, true)]
    [InlineData(101, false)]
    [InlineData(1000, false)]
    public async Task A_deals_probability_is_a_percentage(int probability, bool allowed)
    {
        var errors = await CreateAsync("Deal", new { title = "P", probability });

        Assert.Equal(allowed ? [] : [("INVALID_VALUE", "input/probability")], errors);
    }

    [Fact]
    public async Task Amounts_are_not_negative()
    {
        Assert.Equal([("INVALID_VALUE", "input/opportunity")], await CreateAsync("Deal", new { title = "Neg", opportunity = -0.01m }));
        Assert.Equal([("INVALID_VALUE", "input/opportunity")], await CreateAsync("Lead", new { title = "Neg", opportunity = -10 }));
        Assert.Equal([("INVALID_VALUE", "input/revenue")], await CreateAsync("Company", new { title = "Neg", revenue = -1 }));
        Assert.Empty(await CreateAsync("Deal", new { title = "Zero", opportunity = 0 }));

        var deal = await Host.CreateDealAsync(new { title = "Later", opportunity = 10 });
        var update = (await Host.QueryAsync("mutation($id: ID!) { updateDeal(id: $id, input: { opportunity: -1, probability: 120 }) { errors { code path } } }", new { id = deal })).ShouldSucceed();
        Assert.Equal(2, update.Data!["updateDeal"]!["errors"]!.AsArray().Count);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class NumberRangesOnSqlite(SqliteHost fixture) : NumberRangeTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class NumberRangesOnPostgres(PostgresHost fixture) : NumberRangeTests(fixture), IClassFixture<PostgresHost>;
