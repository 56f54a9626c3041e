using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Platform;

/// <summary>Work spanning modules commits or rolls back as one, through the scope's shared session.</summary>
public abstract class CrossModuleTransactionTests(HostFixture fixture)
{
    private async Task<(long Companies, long Contacts)> CountAsync(string marker)
    {
        var response = (await fixture.Host.QueryAsync(
            "query($m: String!) { companies(where: { title: { startsWith: $m } }) { totalCount } contacts(where: { name: { startsWith: $m } }) { totalCount } }",
            new { m = marker })).ShouldSucceed();
        return (response.Data!["companies"]!["totalCount"]!.GetValue<long>(), response.Data!["contacts"]!["totalCount"]!.GetValue<long>());
    }

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, CrmDatabaseSession, Task<T>> work)
    {
        await using var scope = fixture.Host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().SignIn(1, isAdministrator: true);
        return await work(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<CrmDatabaseSession>());
    }

    private static ICrmEntityDefinition Definition(IServiceProvider services, string name) =>
        (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Get(name);

    [Fact]
    public async Task A_failure_midway_leaves_nothing_in_any_module()
    {
        var marker = "Tx" + Guid.NewGuid().ToString("N")[..8];
        var before = await DatabaseState.CaptureAsync(fixture.Host);
        await Assert.ThrowsAsync<InvalidOperationException>(() => InScopeAsync<int>((services, session) => session.InTransactionAsync<int>(async () =>
        {
            var company = await Definition(services, "company").CreateAsync(services, new Dictionary<string, object?> { ["title"] = marker }, default);
            Assert.Empty(company.Errors);
            var contact = await Definition(services, "contact").CreateAsync(services, new Dictionary<string, object?> { ["name"] = marker, ["companyIds"] = new List<object?> { ((Crm.PluginSdk.Records.ICrmRecord)company.Record!).Id } }, default);
            Assert.Empty(contact.Errors);
            throw new InvalidOperationException("a later step failed");
        })));

        // Neither record, nor their link, nor their events.
        await before.ShouldBeUnchangedAsync(fixture.Host, "the transaction failed midway");
    }

    [Fact]
    public async Task Work_that_completes_is_saved_in_every_module()
    {
        var marker = "Tx" + Guid.NewGuid().ToString("N")[..8];
        await InScopeAsync((services, session) => session.InTransactionAsync(async () =>
        {
            var company = await Definition(services, "company").CreateAsync(services, new Dictionary<string, object?> { ["title"] = marker }, default);
            var contact = await Definition(services, "contact").CreateAsync(services, new Dictionary<string, object?> { ["name"] = marker, ["companyIds"] = new List<object?> { ((Crm.PluginSdk.Records.ICrmRecord)company.Record!).Id } }, default);
            Assert.Empty(contact.Errors);
            return true;
        }));

        Assert.Equal((1, 1), await CountAsync(marker));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class CrossModuleTransactionsOnSqlite(SqliteHost fixture) : CrossModuleTransactionTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class CrossModuleTransactionsOnPostgres(PostgresHost fixture) : CrossModuleTransactionTests(fixture), IClassFixture<PostgresHost>;
