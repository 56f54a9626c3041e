using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Host.Hosting;
using Crm.PluginSdk.Data;
using Microsoft.Extensions.Configuration;
using Npgsql;
using NpgsqlTypes;

namespace Crm.Cli.Bench;

/// <summary>
/// <c>crm bench reference-read</c>: the platform's reference read (the largest deals of some
/// stages, with stage, primary contact and company) through GraphQL over HTTP against a running
/// host, and the same data by hand-written SQL on the host's PostgreSQL database; many times,
/// interleaved, after a warm-up; prints medians, p90, p95, p99 and ratios, and checks that every way
/// returns the same page (ids, order, values) and the same total count.
/// </summary>
internal static class ReferenceReadBench
{
    public const string Usage = """
          bench reference-read --url URL --api-key KEY [--stages A,B] [--min-opportunity X] [--first N]
                               [--iterations N] [--warmup N] [--assigned-to ID,ID...] [--explain]
                                       time the reference read of deals (stages A,B, default PREPARATION,EXECUTING;
                                       opportunity > X, default 1000; largest first; N=50 a page) through GraphQL
                                       on the host at URL, and by hand-written SQL on the database the settings
                                       name (PostgreSQL); N iterations (default 200) after a warm-up (default 20);
                                       --explain prints EXPLAIN ANALYZE of the SQL. The key may come from CRM_API_KEY.
                                       --assigned-to: the key's user reads only deals assigned to these users (their
                                       rights); the SQL then keeps only those deals too.
        """;

    public static readonly string[] Options = ["--url", "--api-key", "--stages", "--min-opportunity", "--first", "--iterations", "--warmup", "--assigned-to"];

    public static readonly string[] Flags = ["--explain"];

    private const string GraphQLQuery = """
        query ReferenceRead($stages: [String], $min: Decimal, $first: Int) {
          deals(first: $first, where: { stageId: { in: $stages }, opportunity: { gt: $min } }, order: [{ opportunity: DESC }]) {
            totalCount
            nodes { id title opportunity stage { name } contact { name lastName emails { value } } company { title } }
          }
        }
        """;

    // {reach} is empty, or the rights of a caller who reads only some users' deals (Reach).
    // The page the way the platform asks for it (the matching deals, largest first, the id
    // breaking ties), joined to what it shows; the count in the same statement.
    private const string SimpleSql = """
        WITH page AS (
            SELECT d.id, d.title, d.opportunity, d.stage_id, d.contact_id, d.company_id
            FROM deals.deals d
            WHERE d.stage_id = ANY(@stages) AND d.opportunity > @min{reach}
            ORDER BY d.opportunity DESC, d.id
            LIMIT @first)
        SELECT p.id, p.title, p.opportunity, s.name, c.name, c.last_name,
               ARRAY(SELECT e ->> 'value' FROM jsonb_array_elements(c.emails) e) AS emails,
               co.title,
               (SELECT count(*) FROM deals.deals d WHERE d.stage_id = ANY(@stages) AND d.opportunity > @min{reach}) AS total
        FROM page p
        LEFT JOIN selection_lists.items s ON s.entity_id = 'DEAL_STAGE' AND s.status_id = p.stage_id
        LEFT JOIN contacts.contacts c ON c.id = p.contact_id
        LEFT JOIN companies.companies co ON co.id = p.company_id
        ORDER BY p.opportunity DESC, p.id
        """;

    // The same, with the page taken per stage along the (stage_id, opportunity) index, largest
    // first, and merged: it reads about N index entries a stage instead of every matching deal.
    private const string TunedSql = """
        WITH page AS (
            SELECT d.id, d.title, d.opportunity, d.stage_id, d.contact_id, d.company_id
            FROM (SELECT DISTINCT unnest(@stages) AS stage_id) st
            CROSS JOIN LATERAL (
                SELECT d.id, d.title, d.opportunity, d.stage_id, d.contact_id, d.company_id
                FROM deals.deals d
                WHERE d.stage_id = st.stage_id AND d.opportunity > @min{reach}
                ORDER BY d.opportunity DESC, d.id
                LIMIT @first) d
            ORDER BY d.opportunity DESC, d.id
            LIMIT @first)
        SELECT p.id, p.title, p.opportunity, s.name, c.name, c.last_name,
               ARRAY(SELECT e ->> 'value' FROM jsonb_array_elements(c.emails) e) AS emails,
               co.title,
               (SELECT count(*) FROM deals.deals d WHERE d.stage_id = ANY(@stages) AND d.opportunity > @min{reach}) AS total
        FROM page p
        LEFT JOIN selection_lists.items s ON s.entity_id = 'DEAL_STAGE' AND s.status_id = p.stage_id
        LEFT JOIN contacts.contacts c ON c.id = p.contact_id
        LEFT JOIN companies.companies co ON co.id = p.company_id
        ORDER BY p.opportunity DESC, p.id
        """;

    private const string Reach = " AND d.assigned_by_id = ANY(@users)";

    private sealed record Row(long Id, string Title, decimal Opportunity, string? Stage, string? ContactName, string? ContactLastName, string Emails, string? Company);

    private sealed record Page(int Total, IReadOnlyList<Row> Rows);

    private sealed record Way(string Name, Func<Task<Page>> Read)
    {
        public List<double> Milliseconds { get; } = [];

        public Page? First { get; set; }

        public Page? Last { get; set; }
    }

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, string[] settings)
    {
        var url = options.GetValueOrDefault("--url") ?? throw new InvalidOperationException("bench reference-read needs --url (the running host, e.g. http://127.0.0.1:5000).");
        var apiKey = options.GetValueOrDefault("--api-key") ?? Environment.GetEnvironmentVariable("CRM_API_KEY")
            ?? throw new InvalidOperationException("bench reference-read needs --api-key (or CRM_API_KEY).");
        var stages = (options.GetValueOrDefault("--stages") ?? "PREPARATION,EXECUTING").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var min = decimal.Parse(options.GetValueOrDefault("--min-opportunity") ?? "1000", NumberStyles.Number, CultureInfo.InvariantCulture);
        var first = BenchSupport.Whole(options, "--first", 50);
        var iterations = BenchSupport.Whole(options, "--iterations", 200);
        var warmup = BenchSupport.Whole(options, "--warmup", 20);
        long[]? users = options.TryGetValue("--assigned-to", out var usersText)
            ? [.. usersText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => long.TryParse(u, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id
                : throw new InvalidOperationException($"--assigned-to takes user ids separated by commas, not '{u}'."))]
            : null;
        var simpleSql = SimpleSql.Replace("{reach}", users is null ? "" : Reach, StringComparison.Ordinal);
        var tunedSql = TunedSql.Replace("{reach}", users is null ? "" : Reach, StringComparison.Ordinal);
        if (iterations < 1 || first < 1)
        {
            throw new InvalidOperationException("--iterations and --first must be at least 1.");
        }

        // The database the host is configured with, read as the host reads it.
        await using var dataSource = BenchSupport.PostgresDataSource(settings, "bench reference-read compares with SQL on PostgreSQL: give --Database:Provider=Postgres --ConnectionStrings:Crm=...");
        using var http = BenchSupport.GraphQLClient(url, apiKey, TimeSpan.FromMinutes(2));
        var body = new JsonObject
        {
            ["query"] = GraphQLQuery,
            ["variables"] = new JsonObject { ["stages"] = new JsonArray([.. stages.Select(s => (JsonNode)s)]), ["min"] = min, ["first"] = first },
        }.ToJsonString();

        var ways = new[]
        {
            new Way("GraphQL over HTTP", () => ReadGraphQLAsync(http, body)),
            new Way("SQL, simple page", () => ReadSqlAsync(dataSource, simpleSql, stages, min, first, users)),
            new Way("SQL, page per stage", () => ReadSqlAsync(dataSource, tunedSql, stages, min, first, users)),
        };

        Console.WriteLine($"reference read: deals of stages {string.Join(", ", stages)} with opportunity > {min}, largest first, {first} a page, with totalCount");
        if (users is not null)
        {
            Console.WriteLine($"as a caller who reads the deals of {users.Length} users ({string.Join(",", users)}); the SQL keeps only theirs");
        }

        Console.WriteLine($"{warmup} warm-up and {iterations} measured rounds; each round runs every way once, in turn, one request at a time");
        for (var round = 0; round < warmup + iterations; round++)
        {
            foreach (var way in ways)
            {
                var start = Stopwatch.GetTimestamp();
                var page = await way.Read();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                way.First ??= page;
                way.Last = page;
                if (round >= warmup)
                {
                    way.Milliseconds.Add(elapsed);
                }
            }
        }

        var agree = Check(ways);
        Console.WriteLine();
        Console.WriteLine($"{"",-22} {"median ms",10} {"p90 ms",10} {"p95 ms",10} {"p99 ms",10} {"mean ms",10} {"min ms",10} {"max ms",10}");
        foreach (var way in ways)
        {
            var sorted = way.Milliseconds.Order().ToList();
            Console.WriteLine($"{way.Name,-22} {BenchSupport.Percentile(sorted, 0.5),10:0.00} {BenchSupport.Percentile(sorted, 0.9),10:0.00} {BenchSupport.Percentile(sorted, 0.95),10:0.00} {BenchSupport.Percentile(sorted, 0.99),10:0.00} {sorted.Average(),10:0.00} {sorted[0],10:0.00} {sorted[^1],10:0.00}");
        }

        var graphQL = ways[0].Milliseconds.Order().ToList();
        foreach (var sql in ways.Skip(1))
        {
            var sorted = sql.Milliseconds.Order().ToList();
            Console.WriteLine($"GraphQL / {sql.Name}: {BenchSupport.Percentile(graphQL, 0.5) / BenchSupport.Percentile(sorted, 0.5),6:0.0}x at the median, {BenchSupport.Percentile(graphQL, 0.95) / BenchSupport.Percentile(sorted, 0.95),6:0.0}x at p95");
        }

        var sample = ways[0].Last!;
        Console.WriteLine($"totalCount {sample.Total:N0}; page ids {string.Join(", ", sample.Rows.Take(5).Select(r => r.Id))}{(sample.Rows.Count > 5 ? ", ..." : "")}");

        if (options.ContainsKey("--explain"))
        {
            foreach (var (name, sql) in new[] { ("SQL, simple page", simpleSql), ("SQL, page per stage", tunedSql) })
            {
                Console.WriteLine();
                Console.WriteLine($"EXPLAIN (ANALYZE, BUFFERS) of {name}:");
                await using var command = SqlCommand(dataSource, "EXPLAIN (ANALYZE, BUFFERS) " + sql, stages, min, first, users);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    Console.WriteLine("  " + reader.GetString(0));
                }
            }
        }

        return agree ? 0 : 1;
    }

    private static async Task<Page> ReadGraphQLAsync(HttpClient http, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("graphql", content);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        if (!response.IsSuccessStatusCode || root.TryGetProperty("errors", out _))
        {
            throw new InvalidOperationException($"GraphQL answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        }

        var deals = root.GetProperty("data").GetProperty("deals");
        var rows = new List<Row>();
        foreach (var node in deals.GetProperty("nodes").EnumerateArray())
        {
            var contact = node.GetProperty("contact");
            var hasContact = contact.ValueKind == JsonValueKind.Object;
            var company = node.GetProperty("company");
            var stage = node.GetProperty("stage");
            rows.Add(new Row(
                long.Parse(node.GetProperty("id").GetString()!, CultureInfo.InvariantCulture),
                node.GetProperty("title").GetString()!,
                node.GetProperty("opportunity").GetDecimal(),
                stage.ValueKind == JsonValueKind.Object ? stage.GetProperty("name").GetString() : null,
                hasContact ? contact.GetProperty("name").GetString() : null,
                hasContact ? contact.GetProperty("lastName").GetString() : null,
                hasContact ? string.Join(" ", contact.GetProperty("emails").EnumerateArray().Select(e => e.GetProperty("value").GetString())) : "",
                company.ValueKind == JsonValueKind.Object ? company.GetProperty("title").GetString() : null));
        }

        return new Page(deals.GetProperty("totalCount").GetInt32(), rows);
    }

    private static async Task<Page> ReadSqlAsync(NpgsqlDataSource dataSource, string sql, string[] stages, decimal min, int first, long[]? users)
    {
        await using var command = SqlCommand(dataSource, sql, stages, min, first, users);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        var total = 0L;
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetDecimal(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                string.Join(" ", reader.GetFieldValue<string[]>(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
            total = reader.GetInt64(8);
        }

        // No row means no matching deal at all: the count is 0.
        return new Page(checked((int)total), rows);
    }

    private static NpgsqlCommand SqlCommand(NpgsqlDataSource dataSource, string sql, string[] stages, decimal min, int first, long[]? users)
    {
        var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("stages", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = stages });
        command.Parameters.Add(new NpgsqlParameter("min", NpgsqlDbType.Numeric) { Value = min });
        command.Parameters.Add(new NpgsqlParameter("first", NpgsqlDbType.Integer) { Value = first });
        if (users is not null)
        {
            command.Parameters.Add(new NpgsqlParameter("users", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = users });
        }
        return command;
    }

    /// <summary>Every way's first and last answers must be the same page: same ids in the same order, same values, same count.</summary>
    private static bool Check(IReadOnlyList<Way> ways)
    {
        var reference = ways[0].First!;
        var agree = true;
        foreach (var way in ways)
        {
            foreach (var page in new[] { way.First!, way.Last! })
            {
                if (page.Total != reference.Total)
                {
                    Console.WriteLine($"MISMATCH: {way.Name} counts {page.Total}, {ways[0].Name} {reference.Total}");
                    agree = false;
                }

                if (!page.Rows.Select(r => r.Id).SequenceEqual(reference.Rows.Select(r => r.Id)))
                {
                    Console.WriteLine($"MISMATCH: {way.Name} returns ids {string.Join(",", page.Rows.Select(r => r.Id))}, {ways[0].Name} {string.Join(",", reference.Rows.Select(r => r.Id))}");
                    agree = false;
                }
                else if (page.Rows.Zip(reference.Rows).FirstOrDefault(p => p.First != p.Second) is { First: not null } different)
                {
                    Console.WriteLine($"MISMATCH: {way.Name} returns {different.First}, {ways[0].Name} {different.Second}");
                    agree = false;
                }
            }
        }

        Console.WriteLine(agree
            ? $"check: every way returned the same {reference.Rows.Count} deals in the same order, with the same values, and the same total count"
            : "check: the ways DISAGREE (see above)");
        return agree;
    }


}
