using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// An integration user's role covers the record types loaded after it was made: a plugin installed
/// later gives its type to the role at the next start, once; a type an administrator took away from
/// the role stays away.
/// </summary>
public abstract class IntegrationRoleTypesTests(Engine engine)
{
    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static async Task<JsonNode> RoleAsync(CrmHost host, string roleName) =>
        Assert.Single((await host.QueryAsync("{ roles { id name permissions { entityType partition action level } } }")).ShouldSucceed().Data!["roles"]!.AsArray(),
            r => Str(r!["name"]) == roleName)!;

    private static async Task<JsonArray> PermissionsAsync(CrmHost host, string roleName) => (await RoleAsync(host, roleName))["permissions"]!.AsArray();

    private static string[] Grants(JsonArray permissions, string type) =>
        [.. permissions.Where(p => Str(p!["entityType"]) == type).Select(p => $"{Str(p!["action"])}:{Str(p["level"])}").Order()];

    [Fact]
    public async Task A_type_loaded_after_the_role_was_made_is_given_at_the_next_start_and_a_type_taken_away_stays_away()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        const string role = "Integration: Later types";
        await using (var first = new CrmHost(engine, connection))
        {
            await using (var scope = first.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<IIntegrationUsers>().EnsureAsync("later-types", "Later types", CancellationToken.None);
            }

            var made = await PermissionsAsync(first, role);
            Assert.Equal(["ADD:ALL", "READ:ALL", "UPDATE:ALL"], Grants(made, "DEAL"));
            Assert.Empty(Grants(made, "QUOTE"));
            // An administrator takes contacts away from the integration.
            var roleId = Str((await RoleAsync(first, role))["id"]);
            var kept = made.Where(p => Str(p!["entityType"]) != "CONTACT").Select(p => p!.DeepClone()).ToList();
            (await first.MutateAsync("updateRole", "mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { errors { code message } } }",
                new { id = roleId, input = new { permissions = kept } })).Ok();
            Assert.Empty(Grants(await PermissionsAsync(first, role), "CONTACT"));
        }

        using var plugin = new SamplePluginFolder(faults: null);
        for (var start = 0; start < 2; start++)
        {
            await using var next = new CrmHost(engine, connection, plugin.Settings);
            var permissions = await PermissionsAsync(next, role);
            Assert.Equal(["ADD:ALL", "READ:ALL", "UPDATE:ALL"], Grants(permissions, "QUOTE"));
            Assert.Equal(["ADD:ALL", "READ:ALL", "UPDATE:ALL"], Grants(permissions, "DEAL"));
            Assert.Empty(Grants(permissions, "CONTACT"));
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class IntegrationRoleTypesOnSqlite() : IntegrationRoleTypesTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class IntegrationRoleTypesOnPostgres() : IntegrationRoleTypesTests(Engine.Postgres);
