using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Cli.Bench;

/// <summary>
/// <c>crm bench automation</c>: the platform started in this process on the configured database
/// (its HTTP API on a loopback port), measured three ways. (1) Rule evaluations per second: the rule
/// engine handed batches of stage-change events for a rule with a JavaScript condition that does not
/// hold (match, the record read as the run-as user, the script, the skipped run logged). (2) Event →
/// action latency: <c>updateDeal</c> moving deals to a stage at a steady rate through HTTP, a rule
/// setting a field on each; from the event's time (its outbox row) to the end of the run that acted
/// (its log row), median and p99. (3) What one active rule costs an <c>updateDeal</c>: the process's
/// CPU per request, its events delivered, without and then with that rule. CPU is the process's
/// (host and client together: the client's part is the same in both runs); steadier than wall time on a busy machine.
/// </summary>
internal static class AutomationBench
{
    public const string Usage = """
          bench automation [--updates N] [--rate R] [--seconds S] [--evaluations N] [--warmup N]
                                       start the platform in-process on the configured database and measure rule
                                       evaluations per second (--evaluations, default 5000), event-to-action latency at
                                       --rate updates/s (default 100) for --seconds (default 20), and the CPU of --updates
                                       (default 500) updateDeal requests without and with an active rule, each after
                                       --warmup (default 200) requests of its own
        """;

    public static readonly string[] Options = ["--updates", "--rate", "--seconds", "--evaluations", "--warmup"];

    private const string Condition = "event.changed.stageId.new === 'PREPARATION' && record.opportunity > 10000";

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, string[] settings)
    {
        var updates = BenchSupport.Whole(options, "--updates", 500);
        var rate = BenchSupport.Whole(options, "--rate", 100);
        var seconds = BenchSupport.Whole(options, "--seconds", 20);
        var evaluations = BenchSupport.Whole(options, "--evaluations", 5_000);
        // Enough for the code paths each run adds to be compiled at their final tier before the measured requests.
        var warmup = BenchSupport.Whole(options, "--warmup", 200);
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await using var app = CrmCommandLine.BuildPlatform([.. settings, $"--CRM_ADMIN_API_KEY={key}", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        using var http = BenchSupport.GraphQLClient(app.Urls.First() + "/", key, TimeSpan.FromMinutes(1));
        var database = new BenchDatabase(app.Services);
        Console.WriteLine($"crm: bench automation on {database.Provider}, {Environment.ProcessorCount} processors; condition `{Condition}`");

        var quiet = await CreateDealsAsync(http, updates + warmup);
        var ruled = await CreateDealsAsync(http, updates + warmup);
        var paced = await CreateDealsAsync(http, rate * seconds);
        await database.SettleAsync(0);

        // Each measured run follows a warm-up of its own (the code paths it adds compiled, the caches filled).
        await UpdateCostAsync(http, database, quiet[..warmup], runsExpected: 0);
        var without = await UpdateCostAsync(http, database, quiet[warmup..], runsExpected: 0);
        var acting = await ActiveRuleAsync(http, "Bench: prepared deals", Condition, new JsonObject { ["kind"] = "records.setFields", ["params"] = new JsonObject { ["fields"] = new JsonObject { ["comments"] = "auto" } } });
        await UpdateCostAsync(http, database, ruled[..warmup], runsExpected: warmup);
        var with = await UpdateCostAsync(http, database, ruled[warmup..], runsExpected: updates);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  updateDeal, events delivered: CPU {without.CpuMs:N2} ms/request without a rule, {with.CpuMs:N2} ms with one active rule acting on each (+{with.CpuMs - without.CpuMs:N2} ms); request p50 {without.P50:N1} ms / {with.P50:N1} ms"));

        await LatencyAsync(http, database, paced, rate);

        await GraphQLAsync(http, "mutation($id: ID!) { deactivateAutomationRule(id: $id) { errors { code message } } }", new JsonObject { ["id"] = acting });
        await ActiveRuleAsync(http, "Bench: never holds", "event.changed.stageId.new === 'PREPARATION' && record.opportunity > 1e12", new JsonObject { ["kind"] = "records.setFields", ["params"] = new JsonObject { ["fields"] = new JsonObject { ["comments"] = "never" } } });
        await EvaluationsAsync(app.Services, quiet, evaluations);
        await app.StopAsync();
        return 0;
    }

    private sealed record Cost(double CpuMs, double P50);

    /// <summary>updateDeal moving each deal to PREPARATION, one request at a time, then until every event (and the rule's runs) is done: CPU per request.</summary>
    private static async Task<Cost> UpdateCostAsync(HttpClient http, BenchDatabase database, IReadOnlyList<long> deals, int runsExpected)
    {
        var runsBefore = await database.CountAsync("automation", "runs", null);
        var timings = new List<double>();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (var id in deals)
        {
            var started = Stopwatch.GetTimestamp();
            await MoveAsync(http, id);
            timings.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        await database.SettleAsync(runsBefore + runsExpected);
        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        return new Cost(used / deals.Count, BenchSupport.Percentile(timings.Order().ToList(), 0.5));
    }

    /// <summary>updateDeal at a steady rate (each sent at its time, whatever the others are doing); the latency from each event to the end of its run.</summary>
    private static async Task LatencyAsync(HttpClient http, BenchDatabase database, IReadOnlyList<long> deals, int rate)
    {
        var runsBefore = await database.CountAsync("automation", "runs", null);
        var since = DateTime.UtcNow;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>();
        for (var i = 0; i < deals.Count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            sends.Add(MoveAsync(http, deals[i]));
        }

        await Task.WhenAll(sends);
        var sent = clock.Elapsed;
        await database.SettleAsync(runsBefore + deals.Count);
        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        var latencies = (await database.LatenciesAsync(since)).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  event -> action at {deals.Count / sent.TotalSeconds:N0} updates/s ({deals.Count} events): latency p50 {BenchSupport.Percentile(latencies, 0.5):N1} ms, p99 {BenchSupport.Percentile(latencies, 0.99):N1} ms, max {latencies[^1]:N1} ms; CPU {used / deals.Count:N2} ms per event (request, delivery, run, action)"));
    }

    /// <summary>The rule engine itself, handed batches of stage changes as the event dispatcher hands them.</summary>
    private static async Task EvaluationsAsync(IServiceProvider services, IReadOnlyList<long> deals, int count)
    {
        var registration = services.GetServices<EventHandlerRegistration>().Single(r => r.HandlerType.FullName == "Crm.Modules.Automation.Engine.RuleEngine");
        var changes = new Dictionary<string, FieldChange> { ["stageId"] = new(JsonValue.Create("NEW"), JsonValue.Create("PREPARATION")) };
        List<DomainEvent<CrmEvent>> Batch(int from, int size) => Enumerable.Range(from, size).Select(i => new DomainEvent<CrmEvent>(
            Guid.NewGuid(), RecordUpdated.TypeName, 1, DateTimeOffset.UtcNow, 1, "deal", deals[i % deals.Count], new RecordUpdated("deal", deals[i % deals.Count], changes))).ToList();
        async Task HandleAsync(List<DomainEvent<CrmEvent>> batch)
        {
            using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
            await ((IEventBatchHandler<CrmEvent>)scope.ServiceProvider.GetRequiredService(registration.HandlerType)).HandleAsync(batch, CancellationToken.None);
        }

        await HandleAsync(Batch(0, Math.Min(500, count))); // warm-up
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var done = 0; done < count; done += 500)
        {
            await HandleAsync(Batch(done, Math.Min(500, count - done)));
        }

        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  rule evaluations (stage change, JavaScript condition, record read as the run-as user, skipped run logged): {count / clock.Elapsed.TotalSeconds:N0}/s, CPU {used / count:N0} µs each"));
    }

    private static async Task<List<long>> CreateDealsAsync(HttpClient http, int count)
    {
        var ids = new List<long>(count);
        for (var i = 0; i < count; i++)
        {
            var data = await GraphQLAsync(http, "mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { id } errors { code message } } }",
                new JsonObject { ["input"] = new JsonObject { ["title"] = $"Bench deal {i}", ["opportunity"] = 20_000, ["stageId"] = "NEW" } });
            ids.Add(long.Parse(data["createDeal"]!["deal"]!["id"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        }

        return ids;
    }

    private static Task MoveAsync(HttpClient http, long id) =>
        GraphQLAsync(http, "mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"PREPARATION\" }) { errors { code message } } }", new JsonObject { ["id"] = id.ToString(CultureInfo.InvariantCulture) });

    private static async Task<string> ActiveRuleAsync(HttpClient http, string name, string condition, JsonObject action)
    {
        var input = new JsonObject
        {
            ["name"] = name,
            ["trigger"] = new JsonObject { ["kind"] = "records.stageChanged", ["params"] = new JsonObject { ["toStageId"] = "PREPARATION" } },
            ["condition"] = new JsonObject { ["script"] = condition },
            ["actions"] = new JsonArray(action),
        };
        var created = await GraphQLAsync(http, "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message } } }", new JsonObject { ["input"] = input });
        var id = created["createAutomationRule"]!["rule"]!["id"]!.GetValue<string>();
        await GraphQLAsync(http, "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }", new JsonObject { ["id"] = id });
        return id;
    }

    /// <summary>The answer's data; an error, or a payload's errors, stop the bench.</summary>
    private static async Task<JsonNode> GraphQLAsync(HttpClient http, string query, JsonObject variables)
    {
        using var content = new StringContent(new JsonObject { ["query"] = query, ["variables"] = variables }.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("graphql", content);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var data = body["data"];
        if (!response.IsSuccessStatusCode || body["errors"] is not null || data is null || data.AsObject().Any(p => p.Value?["errors"] is JsonArray { Count: > 0 }))
        {
            throw new InvalidOperationException($"bench automation: GraphQL answered {(int)response.StatusCode}: {body.ToJsonString()}");
        }

        return data;
    }

    /// <summary>What the bench reads of the database straight: outboxes drained, runs counted, latencies.</summary>
    private sealed class BenchDatabase(IServiceProvider services)
    {
        public DatabaseProvider Provider { get; } = services.GetRequiredService<DatabaseOptions>().Provider;

        private string Table(string schema, string table) => Provider == DatabaseProvider.Postgres ? $"{schema}.{table}" : $"{schema}_{table}";

        public async Task<long> CountAsync(string schema, string table, string? where) =>
            Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM {Table(schema, table)}{(where is null ? "" : " WHERE " + where)}"), CultureInfo.InvariantCulture);

        /// <summary>Waits until the deals' events are delivered and the rules have run <paramref name="runs"/> times in all (at most ten minutes).</summary>
        public async Task SettleAsync(long runs)
        {
            var deadline = Stopwatch.StartNew();
            while (await CountAsync("deals", "outbox", "processed_at IS NULL") > 0 || await CountAsync("automation", "runs", "finished_at IS NOT NULL") < runs)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new InvalidOperationException("bench automation: the events were not delivered within ten minutes.");
                }

                await Task.Delay(20);
            }
        }

        /// <summary>For each run that acted since <paramref name="since"/>: from its event's time to its end, in milliseconds.</summary>
        public async Task<List<double>> LatenciesAsync(DateTime since)
        {
            await using var scope = services.CreateAsyncScope();
            var connection = scope.ServiceProvider.GetRequiredService<CrmDatabaseSession>().Connection;
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT o.occurred_at, r.finished_at FROM {Table("automation", "runs")} r JOIN {Table("deals", "outbox")} o ON o.event_id = r.event_id WHERE r.started_at >= @since AND r.status = 'Succeeded'";
            var parameter = command.CreateParameter();
            parameter.ParameterName = "since";
            parameter.Value = since;
            command.Parameters.Add(parameter);
            var latencies = new List<double>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                latencies.Add((Time(reader, 1) - Time(reader, 0)).TotalMilliseconds);
            }

            return latencies.Count > 0 ? latencies : throw new InvalidOperationException("bench automation: no run acted.");
        }

        private static DateTime Time(DbDataReader reader, int column) => reader.GetValue(column) switch
        {
            DateTime time => time,
            string text => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            var other => Convert.ToDateTime(other, CultureInfo.InvariantCulture),
        };

        private async Task<object?> ScalarAsync(string sql)
        {
            await using var scope = services.CreateAsyncScope();
            var connection = scope.ServiceProvider.GetRequiredService<CrmDatabaseSession>().Connection;
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync();
        }
    }
}
