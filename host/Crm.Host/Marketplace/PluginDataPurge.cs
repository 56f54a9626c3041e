using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>
/// Drops an uninstalled plugin's data: its schema on PostgreSQL (its tables and migrations history
/// with it), its prefixed tables on SQLite, and its rows in the platform's own tables (its data
/// migrations). Runs at start, before modules load, so nothing of the plugin is in use.
/// </summary>
public static class PluginDataPurge
{
    public static async Task PurgeAsync(PlatformDbContext db, DatabaseOptions database, string moduleId, IEnumerable<string> otherModuleIds, CancellationToken cancellationToken)
    {
        if (database.Provider == DatabaseProvider.Postgres)
        {
            // The id is checked ([a-z0-9_]{1,50}) wherever it is written; quoted all the same.
#pragma warning disable EF1002 // an identifier cannot be a parameter
            await db.Database.ExecuteSqlRawAsync($"DROP SCHEMA IF EXISTS \"{moduleId.Replace("\"", "\"\"", StringComparison.Ordinal)}\" CASCADE", cancellationToken);
#pragma warning restore EF1002
        }
        else
        {
            // SQLite has prefixes, not schemas: "acme_quotes_" also starts "acme_quotes_extra_"'s tables, which stay.
            var prefix = moduleId + "_";
            var longer = otherModuleIds.Where(o => o != moduleId && o.StartsWith(prefix, StringComparison.Ordinal)).Select(o => o + "_").ToList();
            var tables = await db.Database.SqlQuery<string>($"SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table'").ToListAsync(cancellationToken);
            foreach (var table in tables.Where(t => t.StartsWith(prefix, StringComparison.Ordinal) && !longer.Any(l => t.StartsWith(l, StringComparison.Ordinal))))
            {
#pragma warning disable EF1002
                await db.Database.ExecuteSqlRawAsync($"DROP TABLE IF EXISTS \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", cancellationToken);
#pragma warning restore EF1002
            }
        }

        await db.DataMigrations.Where(r => r.ModuleId == moduleId).ExecuteDeleteAsync(cancellationToken);
        // A module installed again later starts enabled, as a new one does.
        await db.ModuleStates.Where(r => r.ModuleId == moduleId).ExecuteDeleteAsync(cancellationToken);
    }
}
