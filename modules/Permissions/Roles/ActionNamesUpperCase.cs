using Crm.Modules.Permissions.Data;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions.Roles;

/// <summary>
/// Roles stored their actions by the names of a closed list (Read, Update ...); actions are
/// open-ended now (record types declare their own, like a quote's ACCEPT) and stored as GraphQL
/// names them (READ, UPDATE, ACCEPT).
/// </summary>
public sealed class ActionNamesUpperCase : IModuleDataMigration
{
    public string Id => "0001-action-names-upper-case";

    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PermissionsDbContext>();
        var entity = db.Model.FindEntityType(typeof(RolePermission))!;
        var table = db.IsPostgres ? $"\"{entity.GetSchema()}\".\"{entity.GetTableName()}\"" : $"\"{entity.GetTableName()}\"";
        var column = entity.FindProperty(nameof(RolePermission.Action))!.GetColumnName();
        // Names from the EF model; nothing from outside.
#pragma warning disable EF1002
        await db.Database.ExecuteSqlRawAsync($"UPDATE {table} SET \"{column}\" = upper(\"{column}\") WHERE \"{column}\" <> upper(\"{column}\")", cancellationToken);
#pragma warning restore EF1002
    }
}
