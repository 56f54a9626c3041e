using Crm.PluginSdk.Scripting;

namespace Crm.PluginSdk.Tests.Scripting;

/// <summary>Each hostile script is stopped, named in the outcome, and the next run is unaffected.</summary>
public sealed class ScriptSandboxLimitsTests
{
    // The run's time limit far off, so that each script meets the limit it is written against even on a
    // machine busy with the other test projects (a loop once hit the time limit before the statement
    // limit there); the time limit has tests of its own below.
    private readonly ScriptSandbox sandbox = Sandboxes.Create(o => o.Timeout = TimeSpan.FromSeconds(30));

    public static TheoryData<string, string> Hostile => new()
    {
        { "while (true) {}", nameof(ScriptSandboxOptions.MaxStatements) },
        { "for (;;) { const x = 1; }", nameof(ScriptSandboxOptions.MaxStatements) },
        { "let s = 'x'; while (true) { s = s + s; }", nameof(ScriptSandboxOptions.MaxMemoryBytes) },
        { "const a = []; while (true) { a.push(1); }", nameof(ScriptSandboxOptions.MaxArrayLength) },
        { "new Array(100000)", nameof(ScriptSandboxOptions.MaxArrayLength) },
        { "function f(n) { return f(n + 1); } f(0)", nameof(ScriptSandboxOptions.MaxRecursionDepth) },
        { "/(a+)+$/.test('a'.repeat(40) + '!')", nameof(ScriptSandboxOptions.RegexTimeout) },
        { "Promise.resolve().then(() => { while (true) {} }); 1", nameof(ScriptSandboxOptions.MaxStatements) },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_script_fails_naming_its_limit(string source, string setting)
    {
        var outcome = sandbox.Run(source);

        Sandboxes.AssertLimit(outcome, setting);
        Sandboxes.AssertNextRunIsClean(sandbox);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_limit_hit_inside_the_scripts_own_try_catch_still_ends_the_run(string source, string setting)
    {
        // The catch would turn the failure into a value, and the finally into another; neither runs.
        var outcome = sandbox.Run(new ScriptRun($"let caught = 'no'; try {{ {source} }} catch (e) {{ caught = 'yes'; }} finally {{ crm.notify(1, 'finally ran'); }} caught"));

        Sandboxes.AssertLimit(outcome, setting);
        Assert.Null(outcome.Result);
        Sandboxes.AssertNextRunIsClean(sandbox);
    }

    [Fact]
    public void A_loop_under_the_statement_limit_ends_at_the_time_limit()
    {
        using var slow = Sandboxes.Create(o => { o.MaxStatements = int.MaxValue; o.Timeout = TimeSpan.FromMilliseconds(200); o.RegexTimeout = TimeSpan.FromMilliseconds(100); });

        var outcome = slow.Run("while (true) {}");

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.Timeout));
        Assert.InRange(outcome.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(10));
        Assert.True(outcome.Statements > 1_000, $"{outcome.Statements} statements");
        Sandboxes.AssertNextRunIsClean(slow);
    }

    [Fact]
    public void The_statement_count_is_reported_and_stops_at_the_limit()
    {
        using var small = Sandboxes.Create(o => o.MaxStatements = 1_000);

        var ok = small.Run("let n = 0; for (let i = 0; i < 10; i++) { n += i; } n");
        var stopped = small.Run("while (true) {}");

        Assert.Equal(45, ok.Result!.GetValue<int>());
        Assert.InRange(ok.Statements, 10, 100);
        Assert.Equal(ok.Statements, small.Run("let n = 0; for (let i = 0; i < 10; i++) { n += i; } n").Statements);
        Assert.Equal(1_000, stopped.Statements);
    }

    [Theory]
    [InlineData("typeof GetType")]
    [InlineData("typeof System")]
    [InlineData("typeof importNamespace")]
    [InlineData("typeof clr")]
    [InlineData("typeof require")]
    [InlineData("typeof host")]
    [InlineData("typeof crm.get.GetType")]
    [InlineData("typeof ({}).GetType")]
    [InlineData("typeof record.GetType")]
    public void The_script_reaches_no_clr_type(string source)
    {
        var outcome = sandbox.Run(new ScriptRun(source) { Record = new() { ["title"] = "Acme" } });

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal("undefined", outcome.Result!.GetValue<string>());
    }

    [Fact]
    public void The_crm_functions_are_plain_javascript_functions()
    {
        var outcome = sandbox.Run("Object.getPrototypeOf(crm.get) === Function.prototype && Object.getOwnPropertyNames(crm.get).sort().join()");

        Assert.Equal("length,name", outcome.Result!.GetValue<string>());
    }

    [Theory]
    [InlineData("eval('1 + 1')")]
    [InlineData("(0, eval)('1 + 1')")]
    [InlineData("new Function('return 1')()")]
    [InlineData("Function('return this')()")]
    [InlineData("crm.get.constructor('return 1')()")]
    [InlineData("(async function () {}).constructor('return 1')")]
    [InlineData("(function* () {}).constructor('yield 1')")]
    public void Strings_are_never_compiled(string source)
    {
        var outcome = sandbox.Run(source);

        Assert.False(outcome.Succeeded);
        Assert.Equal(ScriptErrorCodes.ScriptError, outcome.Error!.Code);
        Assert.Contains("String compilation has been disabled", outcome.Error.Message);
        Sandboxes.AssertNextRunIsClean(sandbox);
    }

    [Fact]
    public void Prototype_pollution_is_not_seen_by_a_later_run()
    {
        var polluter = sandbox.Run("Object.prototype.polluted = 1; Array.prototype.push = null; JSON.parse = () => 42; Math.max = () => -1; ({}).polluted");

        var later = sandbox.Run("[({}).polluted === undefined, typeof [].push, JSON.parse('7'), Math.max(1, 2)]");

        Assert.Equal(1, polluter.Result!.GetValue<int>());
        Assert.Equal("""[true,"function",7,2]""", later.Result!.ToJsonString());
    }

    [Fact]
    public void A_script_cannot_write_an_undeclared_global()
    {
        var outcome = sandbox.Run("leaked = 1");

        Assert.Equal(ScriptErrorCodes.ScriptError, outcome.Error!.Code);
        Assert.Contains("leaked is not defined", outcome.Error.Message);
    }

    [Fact]
    public void A_source_ten_times_the_size_limit_is_refused_before_parsing()
    {
        using var small = Sandboxes.Create(o => o.MaxSourceLength = 1_000);
        // Not JavaScript: parsed, it would be a syntax error.
        var source = new string('@', 10_000);

        var check = small.Check(source);
        var run = small.Run(source);

        Assert.Equal(ScriptErrorCodes.LimitExceeded, check.Error!.Code);
        Assert.Equal("Scripts:MaxSourceLength", check.Error.Limit);
        Sandboxes.AssertLimit(run, nameof(ScriptSandboxOptions.MaxSourceLength));
        Assert.Equal(0, run.Statements);
    }

    [Fact]
    public void A_source_nested_as_deep_as_its_length_allows_fails_cleanly()
    {
        var depth = new ScriptSandboxOptions().MaxSourceLength / 2;

        var arrays = sandbox.Run(new string('[', depth) + new string(']', depth));
        var calls = sandbox.Run("const f = x => x; " + string.Concat(Enumerable.Repeat("f(", (depth - 20) / 3)) + "1" + new string(')', (depth - 20) / 3));

        Assert.False(arrays.Succeeded);
        Assert.False(calls.Succeeded);
        Sandboxes.AssertNextRunIsClean(sandbox);
    }

    [Fact]
    public void Requests_ten_times_the_cap_fail_the_run_even_when_caught()
    {
        using var small = Sandboxes.Create(o => o.MaxRequests = 5);

        var outcome = small.Run("try { for (let i = 0; i < 50; i++) { crm.notify(1, 'n' + i); } } catch (e) {} 'done'");

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxRequests));
    }

    [Fact]
    public void A_request_ten_times_its_size_limit_fails_the_run()
    {
        using var small = Sandboxes.Create(o => o.MaxRequestBytes = 1_000);

        var outcome = small.Run("try { crm.update('deal', 1, { comments: 'x'.repeat(10000) }); } catch (e) {} 'done'");

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxRequestBytes));
    }

    [Fact]
    public void A_result_ten_times_its_size_limit_fails_the_run()
    {
        using var small = Sandboxes.Create(o => o.MaxResultBytes = 1_000);

        var outcome = small.Run("({ text: 'x'.repeat(10000) })");

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxResultBytes));
    }

    [Fact]
    public void A_shared_value_repeated_past_the_result_limit_fails_the_run()
    {
        using var small = Sandboxes.Create(o => o.MaxResultBytes = 10_000);

        // No cycle, but 2^20 paths to one string: the byte cap stops the walk, not memory.
        var outcome = small.Run("let v = 'xxxxxxxxxx'; for (let i = 0; i < 20; i++) { v = [v, v]; } v");

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxResultBytes));
    }

    [Fact]
    public void Log_entries_ten_times_the_cap_are_counted_not_kept()
    {
        using var small = Sandboxes.Create(o => { o.MaxLogEntries = 10; o.MaxLogEntryLength = 20; });

        var outcome = small.Run("for (let i = 0; i < 100; i++) { log('entry', i, { i }); } log('x'.repeat(200)); true");

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(10, outcome.Log.Count);
        Assert.Equal("entry 0 {\"i\":0}", outcome.Log[0]);
        Assert.Equal(91, outcome.LogDropped);
    }

    [Fact]
    public void A_cancelled_run_says_so()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var outcome = sandbox.Run(new ScriptRun("let n = 0; while (true) { n++; }"), cancelled.Token);

        Assert.Equal(ScriptErrorCodes.Cancelled, outcome.Error!.Code);
        Sandboxes.AssertNextRunIsClean(sandbox);
    }

    [Fact]
    public void Twenty_runs_in_parallel_each_get_their_own_engine()
    {
        var outcomes = new ScriptOutcome[20];

        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 20 }, i =>
        {
            // Every other run is hostile: a loop and prototype pollution must not reach the others.
            var source = i % 2 == 0
                ? "Object.prototype.polluted = params.n; while (true) {}"
                : "let total = 0; for (let k = 0; k <= params.n; k++) { total += k; } ({ n: params.n, total, polluted: ({}).polluted ?? null })";
            outcomes[i] = sandbox.Run(new ScriptRun(source) { Params = new() { ["n"] = i } });
        });

        for (var i = 0; i < 20; i++)
        {
            if (i % 2 == 0)
            {
                Sandboxes.AssertLimit(outcomes[i], nameof(ScriptSandboxOptions.MaxStatements));
            }
            else
            {
                Assert.Equal($$"""{"n":{{i}},"total":{{i * (i + 1) / 2}},"polluted":null}""", outcomes[i].Result!.ToJsonString());
            }
        }
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Sandboxes.Create(o => o.Timeout = TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => Sandboxes.Create(o => o.MaxFindRows = 0));
        Assert.Throws<ArgumentException>(() => Sandboxes.Create(o => o.HttpAllowList = ["ftp://example.com/"]));
        Assert.Empty(new ScriptSandboxOptions().Problems());
    }
}
