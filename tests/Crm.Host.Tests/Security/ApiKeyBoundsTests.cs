using System.Globalization;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Security;

/// <summary>API keys are bounded (<c>ApiKeys:MaxKeys</c>) under parallel creates, and deleted for good, once, by whoever may.</summary>
public abstract class ApiKeyBoundsTests(HostFixture fixture)
{
    private const string Create = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } errors { code message path } } }";
    private const string Delete = "mutation($id: ID!) { deleteApiKey(id: $id) { deletedId errors { code message path } } }";
    private const string Me = "{ me { id } }";

    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task Ten_times_the_keys_allowed_created_at_once_stop_at_the_bound_and_a_deleted_one_makes_room()
    {
        const int max = 4;
        await using var bounded = await CrmHost.OnNewDatabaseAsync(Host.Engine, new Dictionary<string, string?> { ["ApiKeys:MaxKeys"] = max.ToString(CultureInfo.InvariantCulture) });
        _ = bounded.Server;
        var rows = $"SELECT id FROM {bounded.Table("platform", "api_keys")}";
        var before = (await bounded.QueryRowsAsync(rows)).Count;
        Assert.True(before is > 0 and < max, $"A new database holds {before} keys (the administrator's), leaving no room under {max}");

        var answers = await Task.WhenAll(Enumerable.Range(0, max * 10).Select(i =>
            bounded.MutateAsync("createApiKey", Create, new { input = new { userId = "1", name = $"Bounded key {i}" } })));

        var made = answers.Where(a => a["key"] is not null).ToList();
        Assert.Equal(max - before, made.Count);
        Assert.All(answers.Where(a => a["key"] is null), a => Assert.Equal("LIMIT_EXCEEDED", a.ErrorCode()));
        Assert.Contains("ApiKeys:MaxKeys", answers.First(a => a["key"] is null)["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(max, (await bounded.QueryRowsAsync(rows)).Count);

        // A revoked key still counts; deleting it makes room, and a deleted key no longer signs anyone in.
        var (doomedId, doomedKey) = (made[0]["apiKey"]!["id"]!.GetValue<string>(), made[0]["key"]!.GetValue<string>());
        (await bounded.QueryAsync(Me, apiKey: doomedKey)).ShouldSucceed();
        (await bounded.MutateAsync("revokeApiKey", "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } errors { code message path } } }", new { id = doomedId })).Ok();
        Assert.Equal("LIMIT_EXCEEDED", (await bounded.MutateAsync("createApiKey", Create, new { input = new { userId = "1", name = "No room" } })).ErrorCode());

        Assert.Equal(doomedId, (await bounded.MutateAsync("deleteApiKey", Delete, new { id = doomedId })).Ok()["deletedId"]!.GetValue<string>());
        Assert.Equal("UNKNOWN_CREDENTIAL", (await bounded.QueryAsync(Me, apiKey: doomedKey)).ShouldBeUnauthenticated().Reason);
        Assert.DoesNotContain(doomedId, (await bounded.QueryAsync("{ apiKeys { id } }")).ShouldSucceed().Data!["apiKeys"]!.AsArray().Select(k => k!["id"]!.GetValue<string>()));
        (await bounded.MutateAsync("createApiKey", Create, new { input = new { userId = "1", name = "Room again" } })).Ok();
    }

    [Fact]
    public async Task A_live_key_deleted_by_twenty_admins_at_once_is_deleted_once_and_stops_working_at_once()
    {
        var (_, _, key) = await Host.NewUserWithKeyAsync("deleted-key");
        var id = (await Host.QueryAsync("{ apiKeys { id prefix } }")).ShouldSucceed().Data!["apiKeys"]!.AsArray()
            .Single(k => key.StartsWith(k!["prefix"]!.GetValue<string>(), StringComparison.Ordinal))!["id"]!.GetValue<string>();
        (await Host.QueryAsync(Me, apiKey: key)).ShouldSucceed();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("deleteApiKey", Delete, new { id })));

        // No internal error: one delete, the others find the key gone.
        Assert.Single(answers, a => a["deletedId"] is not null);
        Assert.All(answers.Where(a => a["deletedId"] is null), a => Assert.Equal("NOT_FOUND", a.ErrorCode()));
        Assert.Empty(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("platform", "api_keys")} WHERE id = @p0", long.Parse(id, CultureInfo.InvariantCulture)));
        Assert.Equal("UNKNOWN_CREDENTIAL", (await Host.QueryAsync(Me, apiKey: key)).ShouldBeUnauthenticated().Reason);
        Assert.Equal("NOT_FOUND", (await Host.MutateAsync("deleteApiKey", Delete, new { id = "999999999" })).ErrorCode());
        Assert.Equal("INVALID_ID", (await Host.MutateAsync("deleteApiKey", Delete, new { id = "not-a-key" })).ErrorCode());
    }

    [Fact]
    public async Task Only_an_administrator_deletes_or_revokes_an_administrators_key_and_without_the_settings_right_no_one_does()
    {
        var configurator = await Host.NewUserWithKeyAsync("key-configurator");
        var role = await Host.CreateRoleAsync("Configures keys", [], canConfigure: true);
        (await Host.AssignAsync(role, userId: configurator.Id)).Ok();
        var plain = await Host.NewUserWithKeyAsync("key-plain");
        var administratorsKey = (await Host.QueryAsync("{ apiKeys { id isAdministrator } }")).ShouldSucceed().Data!["apiKeys"]!.AsArray()
            .First(k => k!["isAdministrator"]!.GetValue<bool>())!["id"]!.GetValue<string>();
        var (_, _, someonesKey) = await Host.NewUserWithKeyAsync("key-someone");
        var someones = (await Host.QueryAsync("{ apiKeys { id prefix } }")).ShouldSucceed().Data!["apiKeys"]!.AsArray()
            .Single(k => someonesKey.StartsWith(k!["prefix"]!.GetValue<string>(), StringComparison.Ordinal))!["id"]!.GetValue<string>();

        var refused = await Host.MutateAsync("deleteApiKey", Delete, new { id = administratorsKey }, configurator.Key);
        Assert.Equal("FORBIDDEN", refused.ErrorCode());
        Assert.Contains("Only an administrator can delete", refused["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Only an administrator can revoke", (await Host.MutateAsync("revokeApiKey",
            "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } errors { code message path } } }", new { id = administratorsKey }, configurator.Key))["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("deleteApiKey", Delete, new { id = someones }, plain.Key)).ErrorCode());
        Assert.Single(await Host.QueryRowsAsync($"SELECT id FROM {Host.Table("platform", "api_keys")} WHERE id = @p0", long.Parse(administratorsKey, CultureInfo.InvariantCulture)));

        (await Host.MutateAsync("deleteApiKey", Delete, new { id = someones }, configurator.Key)).Ok();
        (await Host.QueryAsync(Me)).ShouldSucceed();
    }

    [Fact]
    public async Task Each_keys_user_comes_with_the_list_in_one_batch_whatever_the_number_of_keys()
    {
        await using var own = await CrmHost.OnNewDatabaseAsync(Host.Engine, new Dictionary<string, string?>());
        _ = own.Server;
        const string List = "{ apiKeys { userId user { id name } } }";
        async Task<int> StatementsAsync()
        {
            var answer = (await own.QueryAsync(List)).ShouldSucceed();
            foreach (var key in answer.Data!["apiKeys"]!.AsArray())
            {
                // Every key's user is the one it acts as, by name.
                Assert.Equal(key!["userId"]!.GetValue<string>(), key["user"]!["id"]!.GetValue<string>());
                Assert.False(string.IsNullOrEmpty(key["user"]!["name"]!.GetValue<string>()));
            }

            return answer.Statements;
        }

        await own.NewUserWithKeyAsync("batched-key-1");
        await StatementsAsync();
        var few = await StatementsAsync();
        for (var i = 2; i <= 6; i++)
        {
            await own.NewUserWithKeyAsync($"batched-key-{i}");
        }

        var names = (await own.QueryAsync(List)).ShouldSucceed().Data!["apiKeys"]!.AsArray().Select(k => k!["user"]!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("batched-key-6", names);
        Assert.Equal(few, await StatementsAsync());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ApiKeyBoundsOnSqlite(SqliteHost fixture) : ApiKeyBoundsTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ApiKeyBoundsOnPostgres(PostgresHost fixture) : ApiKeyBoundsTests(fixture), IClassFixture<PostgresHost>;
