using Crm.PluginSdk.Data;

namespace Crm.Host.Scheduling;

/// <summary>
/// Quartz's tables, made by the platform's migrations rather than by Quartz at each start
/// (<c>SchemaProvisioning</c>): a migration runs once per database under EF's migration lock, so two
/// hosts starting at once on a new PostgreSQL database do not race to create the same tables (which
/// concurrent <c>CREATE TABLE IF NOT EXISTS</c> does), a start checks nothing, and a later Quartz
/// that changes its tables gets a migration of its own. The statements are Quartz 4.7's own
/// provisioning scripts (kept beside this file, as they were for this version), with the platform's
/// table prefix: the <c>platform</c> schema on PostgreSQL, the <c>platform_</c> prefix on SQLite.
/// </summary>
public static class SchedulerTables
{
    /// <summary>The statements that create Quartz 4.7's tables and indexes on <paramref name="provider"/>, one per item.</summary>
    public static IReadOnlyList<string> Quartz47(DatabaseProvider provider)
    {
        var resource = provider == DatabaseProvider.Postgres ? "quartz-4.7-postgres.sql" : "quartz-4.7-sqlite.sql";
        using var stream = typeof(SchedulerTables).Assembly.GetManifestResourceStream("Crm.Host.Scheduling.Schema." + resource)
            ?? throw new InvalidOperationException($"The host lacks its embedded {resource}.");
        using var reader = new StreamReader(stream);
        var prefix = QuartzSetup.TablePrefix(provider);
        // {0}: the prefix as tables carry it; {1}: without a schema, for index and constraint names.
        var bare = prefix[(prefix.LastIndexOf('.') + 1)..];
        return reader.ReadToEnd()
            .Split("\n--;;\n", StringSplitOptions.None)
            .Select(statement => string.Join('\n', statement.Split('\n').Where(line => !line.StartsWith("--", StringComparison.Ordinal))).Trim())
            .Where(statement => statement.Length > 0)
            .Select(statement => statement.Replace("{0}", prefix, StringComparison.Ordinal).Replace("{1}", bare, StringComparison.Ordinal))
            .ToList();
    }
}
