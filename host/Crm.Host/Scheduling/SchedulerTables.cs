using Crm.PluginSdk.Data;

namespace Crm.Host.Scheduling;

/// <summary>
/// Quartz's tables, made by the platform's migrations rather than by Quartz at each start
/// (<c>SchemaProvisioning</c>): a migration runs once per database under EF's migration lock, so two
/// hosts starting at once on a new PostgreSQL database do not race to create the same tables (which
/// concurrent <c>CREATE TABLE IF NOT EXISTS</c> does), a start checks nothing, and a later Quartz
/// that changes its tables gets a migration of its own. The statements are the provisioning script
/// Quartz carries in its own assembly (what <c>SchemaProvisioning</c> would run), read from it rather
/// than copied into ours, with the platform's table prefix: the <c>platform</c> schema on PostgreSQL,
/// the <c>platform_</c> prefix on SQLite. Every statement only creates what is missing, so a database
/// made after an upgrade of Quartz gets that version's tables here, and the upgrade's own migration
/// (altering what an older database has) must be written to find them already in place.
/// </summary>
public static class SchedulerTables
{
    /// <summary>The statements that create Quartz 4.7's tables and indexes on <paramref name="provider"/>, one per item.</summary>
    public static IReadOnlyList<string> Quartz47(DatabaseProvider provider)
    {
        var resource = "Quartz.Impl.AdoJobStore.Schema." + (provider == DatabaseProvider.Postgres ? "create_postgres.sql" : "create_sqlite.sql");
        using var stream = typeof(global::Quartz.IScheduler).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Quartz {typeof(global::Quartz.IScheduler).Assembly.GetName().Version} carries no {resource}: its tables cannot be made.");
        using var reader = new StreamReader(stream);
        var prefix = QuartzSetup.TablePrefix(provider);
        // {0}: the prefix as tables carry it; {1}: without a schema, for index and constraint names.
        var bare = prefix[(prefix.LastIndexOf('.') + 1)..];
        // The script's lines end in CRLF as Quartz ships it.
        return reader.ReadToEnd().ReplaceLineEndings("\n")
            .Split("\n--;;\n", StringSplitOptions.None)
            .Select(statement => string.Join('\n', statement.Split('\n').Where(line => !line.StartsWith("--", StringComparison.Ordinal))).Trim())
            .Where(statement => statement.Length > 0)
            .Select(statement => statement.Replace("{0}", prefix, StringComparison.Ordinal).Replace("{1}", bare, StringComparison.Ordinal))
            .ToList();
    }
}
