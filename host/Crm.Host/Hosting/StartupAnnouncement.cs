using System.Text;
using Crm.Host.Security;
using Crm.PluginSdk.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Host.Hosting;

/// <summary>
/// What the host prints once it listens: where to open it and, on the first start, the
/// administrator's key inside a ready-to-open GraphiQL link (the key is shown this once; only
/// its hash is stored). Later starts say how to get a key again when it is lost.
/// </summary>
public static class StartupAnnouncement
{
    public static string Compose(IEnumerable<string> addresses, DatabaseOptions database, string? generatedKey, bool keyFromVariable)
    {
        var url = BrowsableUrl(addresses);
        var text = new StringBuilder()
            .AppendLine()
            .AppendLine($"  Crm.Platform is ready at {url}  ({Describe(database)})")
            .AppendLine();
        if (generatedKey is not null)
        {
            text.AppendLine("  Open GraphiQL in a browser, signed in as the administrator:")
                .AppendLine($"      {url}/graphql?apiKey={generatedKey}")
                .AppendLine()
                .AppendLine("  The administrator's API key, shown this once (only its hash is stored):")
                .AppendLine($"      {generatedKey}")
                .AppendLine("  Programs send it as:  Authorization: Bearer <key>");
        }
        else if (keyFromVariable)
        {
            text.AppendLine($"  GraphiQL, signed in with the key in {ApiKeyService.AdminKeyVariable}:")
                .AppendLine($"      {url}/graphql?apiKey=<{ApiKeyService.AdminKeyVariable}>");
        }
        else
        {
            text.AppendLine("  GraphiQL (a browser remembers the key it was opened with once):")
                .AppendLine($"      {url}/graphql?apiKey=<key>")
                .AppendLine("  Lost the administrator's key (it was shown on the first start)? Start the host once with")
                .AppendLine($"  {ApiKeyService.AdminKeyVariable} set to a new key of {ApiKeyService.MinimumKeyLength} or more characters: it is registered")
                .AppendLine("  as an administrator's key, beside the old ones.");
        }

        return text.AppendLine().AppendLine("  Press Ctrl+C to stop.").ToString();
    }

    /// <summary>The first address a browser can open: a wildcard address becomes localhost.</summary>
    public static string BrowsableUrl(IEnumerable<string> addresses)
    {
        var address = addresses.OrderBy(a => a.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? 1 : 0).FirstOrDefault() ?? "http://localhost:5000";
        if (!Uri.TryCreate(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return address.TrimEnd('/');
        }

        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "localhost" : uri.Host;
        return new UriBuilder(uri) { Host = host }.Uri.GetLeftPart(UriPartial.Authority);
    }

    private static string Describe(DatabaseOptions database)
    {
        if (database.Provider == DatabaseProvider.Postgres)
        {
            var postgres = new NpgsqlConnectionStringBuilder(database.ConnectionString);
            return $"PostgreSQL {postgres.Host}:{postgres.Port}, database {postgres.Database}";
        }

        return $"SQLite database {new SqliteConnectionStringBuilder(database.ConnectionString).DataSource}";
    }
}
