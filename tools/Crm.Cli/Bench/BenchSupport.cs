using System.Globalization;
using System.Net.Http.Headers;
using Crm.Host.Hosting;
using Crm.PluginSdk.Data;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Crm.Cli.Bench;

/// <summary>What the benches share: their options, the database they check against, the GraphQL client, percentiles.</summary>
internal static class BenchSupport
{
    /// <summary>The p-th percentile (0 to 1) of sorted timings, nearest rank.</summary>
    public static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static int Whole(IReadOnlyDictionary<string, string> options, string name, int fallback) =>
        !options.TryGetValue(name, out var text) ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw new InvalidOperationException($"{name} takes a whole number, not '{text}'.");

    /// <summary>
    /// The PostgreSQL database the host is configured with, read as the host reads it; any other
    /// engine is refused with <paramref name="refusal"/>.
    /// </summary>
    public static NpgsqlDataSource PostgresDataSource(string[] settings, string refusal)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(settings).Build();
        var database = CrmApplication.ReadDatabaseOptions(configuration);
        return database.Provider == DatabaseProvider.Postgres
            ? NpgsqlDataSource.Create(database.ConnectionString)
            : throw new InvalidOperationException(refusal);
    }

    /// <summary>A client of the running host's GraphQL, with one connection kept open throughout.</summary>
    public static HttpClient GraphQLClient(string url, string apiKey, TimeSpan timeout)
    {
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = new Uri(url), Timeout = timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }
}
