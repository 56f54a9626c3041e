using System.Text.Json.Nodes;
using Crm.PluginSdk.Scripting;

namespace Crm.PluginSdk.Tests.Scripting;

/// <summary><c>crm.get</c>, <c>crm.find</c> and <c>crm.count</c>: served by the host's source, copied as JSON, capped in calls, rows, bytes and time.</summary>
public sealed class ScriptSandboxReadsTests
{
    /// <summary>Records in memory, read the way a host's source is called: by type, id or a `title` filter.</summary>
    private sealed class InMemoryRecords(int count, int titleLength = 10, TimeSpan? delay = null, bool ignoreToken = false) : IScriptRecordSource
    {
        private readonly List<JsonObject> deals = Enumerable.Range(1, count)
            .Select(i => new JsonObject { ["id"] = i, ["title"] = $"Deal {i}".PadRight(titleLength, '.'), ["opportunity"] = i * 1_000 })
            .ToList();

        public int Calls;
        public int? LastLimit;
        public string? LastWhere;

        public async Task<JsonObject?> GetAsync(string type, long id, CancellationToken cancellationToken)
        {
            await Wait(cancellationToken);
            return type == "deal" ? deals.FirstOrDefault(d => d["id"]!.GetValue<int>() == id) : null;
        }

        public async Task<IReadOnlyList<JsonObject>> FindAsync(string type, JsonObject? where, int limit, CancellationToken cancellationToken)
        {
            await Wait(cancellationToken);
            (LastLimit, LastWhere) = (limit, where?.ToJsonString());
            return Matching(type, where).Take(limit).ToList();
        }

        public async Task<long> CountAsync(string type, JsonObject? where, CancellationToken cancellationToken)
        {
            await Wait(cancellationToken);
            return Matching(type, where).Count();
        }

        private IEnumerable<JsonObject> Matching(string type, JsonObject? where)
        {
            var minimum = where?["opportunity"]?["gte"]?.GetValue<int>() ?? 0;
            return type == "deal" ? deals.Where(d => d["opportunity"]!.GetValue<int>() >= minimum) : [];
        }

        private async Task Wait(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            if (delay is { } wait)
            {
                await Task.Delay(wait, ignoreToken ? CancellationToken.None : cancellationToken);
            }
        }
    }

    private readonly ScriptSandbox sandbox = Sandboxes.Create(o => { o.MaxReads = 5; o.MaxFindRows = 10; o.MaxReadRows = 25; });

    [Fact]
    public void Reads_return_json_copies_of_the_hosts_records()
    {
        var records = new InMemoryRecords(50);

        var outcome = sandbox.Run(new ScriptRun("""
            const deal = crm.get('deal', 3);
            deal.title = 'changed';
            const big = crm.find('deal', { opportunity: { gte: 45000 } }, 3);
            [crm.get('deal', '3').title, crm.get('deal', 999), big.map(d => d.id), crm.count('deal', { opportunity: { gte: 45000 } })]
            """) { Records = records });

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal("""["Deal 3....",null,[45,46,47],6]""", outcome.Result!.ToJsonString());
        Assert.Equal(3, records.LastLimit);
        Assert.Equal("""{"opportunity":{"gte":45000}}""", records.LastWhere);
    }

    [Fact]
    public void A_find_without_a_limit_returns_at_most_the_cap()
    {
        var records = new InMemoryRecords(50);

        var outcome = sandbox.Run(new ScriptRun("crm.find('deal').length") { Records = records });

        Assert.Equal(10, outcome.Result!.GetValue<int>());
        Assert.Equal(10, records.LastLimit);
    }

    [Fact]
    public void A_find_asking_ten_times_the_row_cap_is_refused_before_it_reads()
    {
        var records = new InMemoryRecords(500);

        var outcome = sandbox.Run(new ScriptRun("try { crm.find('deal', null, 100) } catch (e) { 'caught' }") { Records = records });

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxFindRows));
        Assert.Equal(0, records.Calls);
    }

    [Fact]
    public void Reads_ten_times_the_cap_end_the_run_at_the_cap()
    {
        var records = new InMemoryRecords(5);

        var outcome = sandbox.Run(new ScriptRun("try { for (let i = 0; i < 50; i++) { crm.count('deal'); } } catch (e) {} 'done'") { Records = records });

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxReads));
        Assert.Equal(5, records.Calls);
    }

    [Fact]
    public void Rows_over_the_run_cap_end_the_run()
    {
        var outcome = sandbox.Run(new ScriptRun("for (let i = 0; i < 3; i++) { crm.find('deal', null, 10); }") { Records = new InMemoryRecords(50) });

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxReadRows));
    }

    [Fact]
    public void Bytes_over_the_run_cap_end_the_run()
    {
        using var small = Sandboxes.Create(o => o.MaxReadBytes = 10_000);

        var outcome = small.Run(new ScriptRun("crm.find('deal', null, 10)") { Records = new InMemoryRecords(50, titleLength: 10_000) });

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxReadBytes));
    }

    [Fact]
    public void A_read_past_the_deadline_is_cancelled_and_the_run_fails_on_time()
    {
        using var quick = Sandboxes.Create(o => { o.Timeout = TimeSpan.FromMilliseconds(300); o.RegexTimeout = TimeSpan.FromMilliseconds(100); });

        var outcome = quick.Run(new ScriptRun("try { crm.get('deal', 1) } catch (e) { 'caught' }") { Records = new InMemoryRecords(5, delay: TimeSpan.FromSeconds(30)) });

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.Timeout));
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(10), $"{outcome.Elapsed}");
    }

    [Fact]
    public void A_source_that_ignores_the_token_is_not_waited_for_past_the_deadline()
    {
        using var quick = Sandboxes.Create(o => { o.Timeout = TimeSpan.FromMilliseconds(300); o.RegexTimeout = TimeSpan.FromMilliseconds(100); });

        var outcome = quick.Run(new ScriptRun("crm.count('deal')") { Records = new InMemoryRecords(5, delay: TimeSpan.FromSeconds(30), ignoreToken: true) });

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.Timeout));
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(10), $"{outcome.Elapsed}");
    }
}
