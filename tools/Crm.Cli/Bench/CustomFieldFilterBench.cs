using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Cli.Seeding;
using Crm.Host.Hosting;
using Crm.PluginSdk.Data;
using Microsoft.Extensions.Configuration;
using Npgsql;
using NpgsqlTypes;

namespace Crm.Cli.Bench;

/// <summary>
/// <c>crm bench custom-field-filter</c>: an equality filter on a custom field (the seeded
/// UF_CRM_REGION) against the same filter on built-in indexed columns of similar selectivity
/// (<c>assignedById</c>, <c>stageId</c>), each a page of 50 deals through GraphQL over HTTP on a
/// running host; many times, interleaved, after a warm-up; prints median, p90 and p99 and their
/// ratios, and checks every page (and the total count) against SQL that does not use the
/// platform's key expression. With <c>--create-fields</c> it first creates the definitions of
/// the seeded fields through <c>createCustomField</c> and times it (on PostgreSQL that builds the
/// field's index over the rows already there).
/// </summary>
internal static class CustomFieldFilterBench
{
    public const string Usage = """
          bench custom-field-filter --url URL --api-key KEY [--create-fields] [--region ID] [--assigned-by ID]
                               [--stage S] [--first N] [--iterations N] [--warmup N] [--explain]
                                       time deals(where: { ufCrmRegion: { eq: ID } }, first: N) { nodes { id title } }
                                       against the same filter on assignedById and on stageId, through GraphQL on
                                       the host at URL, over deals seeded with seed --deal-custom-fields on the
                                       database the settings name (PostgreSQL). --create-fields first creates the
                                       seeded fields' definitions (timed). Values left out are chosen to match
                                       --assigned-by (default 1) in selectivity; N=50 a page; N iterations (default
                                       1000) after a warm-up (default 50); --explain prints EXPLAIN ANALYZE of
                                       each filter's SQL. The key may come from CRM_API_KEY.
        """;

    public static readonly string[] Options = ["--region", "--assigned-by", "--stage"];

    public static readonly string[] Flags = ["--create-fields"];

    private sealed record Row(long Id, string Title);

    private sealed record Way(string Name, string Field, string Value, string GraphQL, string CheckSql, string CountSql, string ExplainSql)
    {
        public List<double> Milliseconds { get; } = [];

        public long Matching { get; set; }

        public IReadOnlyList<Row>? First { get; set; }

        public IReadOnlyList<Row>? Last { get; set; }
    }

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, string[] settings)
    {
        var url = options.GetValueOrDefault("--url") ?? throw new InvalidOperationException("bench custom-field-filter needs --url (the running host, e.g. http://127.0.0.1:5000).");
        var apiKey = options.GetValueOrDefault("--api-key") ?? Environment.GetEnvironmentVariable("CRM_API_KEY")
            ?? throw new InvalidOperationException("bench custom-field-filter needs --api-key (or CRM_API_KEY).");
        var first = BenchSupport.Whole(options, "--first", 50);
        var iterations = BenchSupport.Whole(options, "--iterations", 1000);
        var warmup = BenchSupport.Whole(options, "--warmup", 50);
        if (iterations < 1 || first < 1)
        {
            throw new InvalidOperationException("--iterations and --first must be at least 1.");
        }

        // The database the host is configured with, read as the host reads it.
        await using var dataSource = BenchSupport.PostgresDataSource(settings, "bench custom-field-filter checks against SQL on PostgreSQL: give --Database:Provider=Postgres --ConnectionStrings:Crm=...");
        using var http = BenchSupport.GraphQLClient(url, apiKey, TimeSpan.FromMinutes(10));

        var seeded = await ScalarAsync<long>(dataSource, $"SELECT count(*) FROM deals.deals WHERE custom_fields ? '{SeedCustomFields.RegionCode}'");
        var deals = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM deals.deals");
        Console.WriteLine($"deals: {deals:N0}, {seeded:N0} of them with a {SeedCustomFields.RegionCode} value");
        if (seeded == 0)
        {
            throw new InvalidOperationException($"no deal has a {SeedCustomFields.RegionCode} value: seed with crm seed --deal-custom-fields.");
        }

        if (options.ContainsKey("--create-fields"))
        {
            await CreateFieldsAsync(http);
        }

        await PrintIndexesAsync(dataSource);

        // Values of similar selectivity: the manager asked for (or the first), then the region and
        // the stage whose counts come closest to it.
        var managers = await CountsAsync(dataSource, "SELECT assigned_by_id::text, count(*) FROM deals.deals WHERE assigned_by_id IS NOT NULL GROUP BY 1");
        var regions = await CountsAsync(dataSource, $"SELECT custom_fields ->> '{SeedCustomFields.RegionCode}', count(*) FROM deals.deals WHERE custom_fields ? '{SeedCustomFields.RegionCode}' GROUP BY 1");
        var stages = await CountsAsync(dataSource, "SELECT stage_id, count(*) FROM deals.deals GROUP BY 1");
        var manager = options.GetValueOrDefault("--assigned-by") ?? "1";
        var target = managers.GetValueOrDefault(manager);
        var region = options.GetValueOrDefault("--region") ?? Closest(regions, target);
        var stage = options.GetValueOrDefault("--stage") ?? Closest(stages, target);
        if (!long.TryParse(region, NumberStyles.None, CultureInfo.InvariantCulture, out var regionId) || !long.TryParse(manager, NumberStyles.None, CultureInfo.InvariantCulture, out var managerId))
        {
            throw new InvalidOperationException("--region and --assigned-by take whole numbers (ids).");
        }

        // The filter through the platform, and what it must return by SQL that does not use the
        // platform's key expression (and so not its index): containment for the custom field.
        var ways = new[]
        {
            new Way("custom field", "ufCrmRegion", region, Query("ufCrmRegion", region, first),
                $"SELECT id, title FROM deals.deals WHERE custom_fields @> jsonb_build_object('{SeedCustomFields.RegionCode}', {regionId}) ORDER BY id LIMIT {first}",
                $"SELECT count(*) FROM deals.deals WHERE custom_fields @> jsonb_build_object('{SeedCustomFields.RegionCode}', {regionId})",
                $"SELECT d.* FROM deals.deals AS d WHERE platform.crm_uf_long(d.custom_fields, '{SeedCustomFields.RegionCode}') = @value ORDER BY d.id LIMIT @first"),
            new Way("built-in assignedById", "assignedById", manager, Query("assignedById", manager, first),
                $"SELECT id, title FROM deals.deals WHERE assigned_by_id = {managerId} ORDER BY id LIMIT {first}",
                $"SELECT count(*) FROM deals.deals WHERE assigned_by_id = {managerId}",
                "SELECT d.* FROM deals.deals AS d WHERE d.assigned_by_id = @value ORDER BY d.id LIMIT @first"),
            new Way("built-in stageId", "stageId", stage, Query("stageId", stage, first),
                $"SELECT id, title FROM deals.deals WHERE stage_id = '{stage.Replace("'", "''", StringComparison.Ordinal)}' ORDER BY id LIMIT {first}",
                $"SELECT count(*) FROM deals.deals WHERE stage_id = '{stage.Replace("'", "''", StringComparison.Ordinal)}'",
                "SELECT d.* FROM deals.deals AS d WHERE d.stage_id = @value ORDER BY d.id LIMIT @first"),
        };

        Console.WriteLine();
        Console.WriteLine($"{"filter",-24} {"value",-14} {"matching deals",15} {"share",8}");
        foreach (var way in ways)
        {
            way.Matching = await ScalarAsync<long>(dataSource, way.CountSql);
            Console.WriteLine($"{way.Name,-24} {way.Value,-14} {way.Matching,15:N0} {(double)way.Matching / deals,8:P2}");
        }

        Console.WriteLine();
        Console.WriteLine($"each: deals(where: {{ FIELD: {{ eq: VALUE }} }}, first: {first}) {{ nodes {{ id title }} }}");
        Console.WriteLine($"{warmup} warm-up and {iterations} measured rounds; each round sends every filter once, in turn, one request at a time");
        for (var round = 0; round < warmup + iterations; round++)
        {
            foreach (var way in ways)
            {
                var start = Stopwatch.GetTimestamp();
                var page = await ReadGraphQLAsync(http, way.GraphQL);
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                way.First ??= page;
                way.Last = page;
                if (round >= warmup)
                {
                    way.Milliseconds.Add(elapsed);
                }
            }
        }

        var agree = await CheckAsync(http, dataSource, ways, first);
        Console.WriteLine();
        Console.WriteLine($"{"",-24} {"median ms",10} {"p90 ms",10} {"p99 ms",10} {"mean ms",10} {"min ms",10} {"max ms",10}");
        foreach (var way in ways)
        {
            var sorted = way.Milliseconds.Order().ToList();
            Console.WriteLine($"{way.Name,-24} {BenchSupport.Percentile(sorted, 0.5),10:0.00} {BenchSupport.Percentile(sorted, 0.9),10:0.00} {BenchSupport.Percentile(sorted, 0.99),10:0.00} {sorted.Average(),10:0.00} {sorted[0],10:0.00} {sorted[^1],10:0.00}");
        }

        var custom = ways[0].Milliseconds.Order().ToList();
        foreach (var builtIn in ways.Skip(1))
        {
            var sorted = builtIn.Milliseconds.Order().ToList();
            Console.WriteLine($"custom field / {builtIn.Name}: {BenchSupport.Percentile(custom, 0.5) / BenchSupport.Percentile(sorted, 0.5),5:0.00}x at the median, "
                + $"{BenchSupport.Percentile(custom, 0.9) / BenchSupport.Percentile(sorted, 0.9),5:0.00}x at p90, {BenchSupport.Percentile(custom, 0.99) / BenchSupport.Percentile(sorted, 0.99),5:0.00}x at p99");
        }

        var median = BenchSupport.Percentile(custom, 0.5);
        var ratio = median / BenchSupport.Percentile(ways[1].Milliseconds.Order().ToList(), 0.5);
        Console.WriteLine($"target (median under 50 ms, within 2x of {ways[1].Name}): median {median:0.00} ms, {ratio:0.00}x: {(median < 50 && ratio <= 2 ? "met" : "NOT met")}");

        if (options.ContainsKey("--explain"))
        {
            foreach (var way in ways)
            {
                Console.WriteLine();
                Console.WriteLine($"EXPLAIN (ANALYZE, BUFFERS) of the {way.Name} filter ({way.ExplainSql.Replace("@value", way.Field == "stageId" ? $"'{way.Value}'" : way.Value, StringComparison.Ordinal).Replace("@first", (first + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)}):");
                await using var command = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS) " + way.ExplainSql);
                command.Parameters.Add(way.Field == "stageId"
                    ? new NpgsqlParameter("value", NpgsqlDbType.Varchar) { Value = way.Value }
                    : new NpgsqlParameter("value", NpgsqlDbType.Bigint) { Value = long.Parse(way.Value, CultureInfo.InvariantCulture) });
                // The platform reads one more than the page to know whether there is a next one.
                command.Parameters.Add(new NpgsqlParameter("first", NpgsqlDbType.Integer) { Value = first + 1 });
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    Console.WriteLine("  " + reader.GetString(0));
                }
            }
        }

        return agree ? 0 : 1;
    }

    private static string Query(string field, string value, int first) =>
        $"{{ deals(where: {{ {field}: {{ eq: {JsonSerializer.Serialize(value)} }} }}, first: {first}) {{ nodes {{ id title }} }} }}";

    /// <summary>Creates the seeded fields' definitions, timing each createCustomField; the region's items must get the ids the seed used.</summary>
    private static async Task CreateFieldsAsync(HttpClient http)
    {
        const string mutation = """
            mutation Create($input: CreateCustomFieldInput!) {
              createCustomField(input: $input) { customField { id fieldName filterable items { id value } } errors { code message } }
            }
            """;
        var fields = new[]
        {
            new JsonObject
            {
                ["entityType"] = "DEAL", ["code"] = SeedCustomFields.RegionCode, ["type"] = "ENUMERATION", ["label"] = "Region",
                ["items"] = new JsonArray([.. SeedCustomFields.Regions.Select(r => (JsonNode)new JsonObject { ["value"] = r.Value })]),
            },
            new JsonObject
            {
                ["entityType"] = "DEAL", ["code"] = SeedCustomFields.BudgetCode, ["type"] = "NUMBER", ["label"] = "Budget",
                ["settings"] = new JsonObject { ["precision"] = 2 },
            },
        };

        Console.WriteLine();
        foreach (var input in fields)
        {
            var body = new JsonObject { ["query"] = mutation, ["variables"] = new JsonObject { ["input"] = input } }.ToJsonString();
            var start = Stopwatch.GetTimestamp();
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("graphql", content);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(start);
            var root = JsonNode.Parse(bytes);
            var payload = root?["data"]?["createCustomField"];
            if (!response.IsSuccessStatusCode || root?["errors"] is not null || payload is null)
            {
                throw new InvalidOperationException($"createCustomField answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
            }

            var errors = payload["errors"]!.AsArray();
            if (errors.Count > 0)
            {
                if (errors.All(e => (string?)e!["code"] == "CONFLICT"))
                {
                    Console.WriteLine($"createCustomField {input["code"]}: already there ({errors[0]!["message"]}), {elapsed.TotalMilliseconds:N0} ms");
                    continue;
                }

                throw new InvalidOperationException($"createCustomField {input["code"]} refused: {errors.ToJsonString()}");
            }

            var field = payload["customField"]!;
            Console.WriteLine($"createCustomField {input["code"]} ({input["type"]}, {field["fieldName"]}): {elapsed.TotalSeconds:0.000} s (definition, index over the rows already there, schema swap)");
            var items = field["items"]!.AsArray();
            for (var i = 0; i < SeedCustomFields.Regions.Length && (string?)input["type"] == "ENUMERATION"; i++)
            {
                var item = items.FirstOrDefault(x => (string?)x!["value"] == SeedCustomFields.Regions[i].Value);
                if (item is null || (string?)item["id"] != (i + 1).ToString(CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException($"the item '{SeedCustomFields.Regions[i].Value}' got id {item?["id"]}, the seed used {i + 1}: the seeded values would not match.");
                }
            }
        }
    }

    private static async Task PrintIndexesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname, i.indisvalid, pg_size_pretty(pg_relation_size(c.oid)), pg_get_indexdef(c.oid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'deals.deals'::regclass
            ORDER BY c.relname
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Console.WriteLine("indexes of deals.deals:");
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"  {reader.GetString(0),-44} {(reader.GetBoolean(1) ? "valid" : "INVALID"),-8} {reader.GetString(2),8}  {reader.GetString(3)}");
        }
    }

    private static async Task<IReadOnlyList<Row>> ReadGraphQLAsync(HttpClient http, string query, bool count = false)
    {
        var body = new JsonObject { ["query"] = count ? query.Replace("{ nodes {", "{ totalCount nodes {", StringComparison.Ordinal) : query }.ToJsonString();
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
        if (count)
        {
            rows.Add(new Row(deals.GetProperty("totalCount").GetInt64(), ""));
        }

        foreach (var node in deals.GetProperty("nodes").EnumerateArray())
        {
            rows.Add(new Row(long.Parse(node.GetProperty("id").GetString()!, CultureInfo.InvariantCulture), node.GetProperty("title").GetString()!));
        }

        return rows;
    }

    /// <summary>Every filter's first and last pages must be the deals SQL finds (ids in order, titles); its totalCount the SQL count.</summary>
    private static async Task<bool> CheckAsync(HttpClient http, NpgsqlDataSource dataSource, IReadOnlyList<Way> ways, int first)
    {
        var agree = true;
        foreach (var way in ways)
        {
            var expected = new List<Row>();
            await using (var command = dataSource.CreateCommand(way.CheckSql))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    expected.Add(new Row(reader.GetInt64(0), reader.GetString(1)));
                }
            }

            foreach (var page in new[] { way.First!, way.Last! })
            {
                if (!page.SequenceEqual(expected))
                {
                    Console.WriteLine($"MISMATCH: {way.Name} returned ids {string.Join(",", page.Select(r => r.Id))}; SQL finds {string.Join(",", expected.Select(r => r.Id))}");
                    agree = false;
                }
            }

            var counted = await ReadGraphQLAsync(http, way.GraphQL, count: true);
            if (counted[0].Id != way.Matching)
            {
                Console.WriteLine($"MISMATCH: {way.Name} totalCount {counted[0].Id:N0}; SQL counts {way.Matching:N0}");
                agree = false;
            }

            if (expected.Count != Math.Min(first, way.Matching))
            {
                Console.WriteLine($"MISMATCH: {way.Name}: SQL finds {expected.Count} deals for a page of {first} out of {way.Matching:N0}");
                agree = false;
            }
        }

        Console.WriteLine(agree
            ? $"check: every filter returned the {first} deals with the lowest ids that SQL finds for it (ids, order, titles; first and last answer), and totalCount equal to the SQL count"
            : "check: the platform and SQL DISAGREE (see above)");
        return agree;
    }

    private static async Task<Dictionary<string, long>> CountsAsync(NpgsqlDataSource dataSource, string sql)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    private static string Closest(Dictionary<string, long> counts, long target) =>
        counts.Count == 0 ? throw new InvalidOperationException("nothing to choose from: are there deals?")
            : counts.OrderBy(c => Math.Abs(c.Value - target)).ThenBy(c => c.Key, StringComparer.Ordinal).First().Key;

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }


}
