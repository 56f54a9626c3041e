using System.Text.Json.Nodes;
using Crm.PluginSdk.Scripting;
using Microsoft.Extensions.Time.Testing;

namespace Crm.PluginSdk.Tests.Scripting;

/// <summary>What a script sees (plain JSON, the crm object, an injected clock) and what it gives back (JSON, requests, errors).</summary>
public sealed class ScriptSandboxApiTests
{
    private static readonly DateTimeOffset Pinned = new(2026, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Pinned);
    private readonly ScriptSandbox sandbox;

    public ScriptSandboxApiTests() =>
        sandbox = Sandboxes.Create(o => o.HttpAllowList = ["https://hooks.example.com/crm/"], clock);

    private static ScriptRun StageChange(string source, long opportunity) => new(source)
    {
        Event = new ScriptEvent(
            "deal.stageChanged",
            new Dictionary<string, ScriptFieldChange> { ["stageId"] = new("NEW", "PREPARATION") },
            new JsonObject { ["id"] = 7, ["kind"] = "USER" },
            Pinned),
        Record = new JsonObject { ["id"] = 42, ["title"] = "Acme", ["opportunity"] = opportunity, ["UF_BUDGET"] = 15_000 },
    };

    [Theory]
    [InlineData(20_000, true)]
    [InlineData(5_000, false)]
    public void A_condition_sees_the_event_and_the_record(long opportunity, bool expected)
    {
        var outcome = sandbox.Run(StageChange("event.changed.stageId && record.opportunity > 10000", opportunity));

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        // `&&` gives its last operand: the condition's value is what the script says, JSON.
        Assert.Equal(expected, outcome.Result!.GetValue<bool>());
    }

    [Fact]
    public void The_event_is_plain_json_with_old_and_new_values()
    {
        var outcome = sandbox.Run(StageChange("event", 1));

        Assert.Equal(
            """{"kind":"deal.stageChanged","changed":{"stageId":{"old":"NEW","new":"PREPARATION"}},"actor":{"id":7,"kind":"USER"},"occurredAt":"2026-03-14T15:09:26.535Z","input":null}""",
            outcome.Result!.ToJsonString());
    }

    [Fact]
    public void What_a_script_does_to_its_inputs_stays_in_the_run()
    {
        var run = StageChange("record.title = 'changed'; vars.x = 1; record.UF_BUDGET", 1) with { Vars = new JsonObject() };

        var outcome = sandbox.Run(run);

        Assert.Equal(15_000, outcome.Result!.GetValue<int>());
        Assert.Equal("Acme", run.Record!["title"]!.GetValue<string>());
        Assert.Empty(run.Vars!);
    }

    [Fact]
    public void Every_clock_of_the_script_is_the_injected_one()
    {
        var outcome = sandbox.Run("[crm.now(), Date.now(), new Date().toISOString(), new Date().getUTCHours()]");
        clock.Advance(TimeSpan.FromDays(1));
        var later = sandbox.Run("crm.now()");
        var pinnedPerRun = sandbox.Run(new ScriptRun("Date.now()") { Clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1)) });

        Assert.Equal($"""["2026-03-14T15:09:26.535Z",{Pinned.ToUnixTimeMilliseconds()},"2026-03-14T15:09:26.535Z",15]""", outcome.Result!.ToJsonString());
        Assert.Equal("2026-03-15T15:09:26.535Z", later.Result!.GetValue<string>());
        Assert.Equal(1_000, pinnedPerRun.Result!.GetValue<long>());
    }

    [Fact]
    public void Math_random_repeats_for_a_seed()
    {
        const string source = "[Math.random(), Math.random(), Math.random()]";

        var first = sandbox.Run(new ScriptRun(source) { RandomSeed = 12 }).Result!.ToJsonString();
        var again = sandbox.Run(new ScriptRun(source) { RandomSeed = 12 }).Result!.ToJsonString();
        var other = sandbox.Run(new ScriptRun(source) { RandomSeed = 13 }).Result!.ToJsonString();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Requests_come_back_in_order_with_their_parameters()
    {
        var outcome = sandbox.Run(StageChange("""
            crm.update('deal', record.id, { title: record.title + '!', UF_BUDGET: null });
            crm.create('task', { title: 'Call', when: new Date() });
            crm.changeStage('deal', '42', 'WON');
            crm.addComment('deal', 42, 'Moved by automation');
            crm.createActivity({ subject: 'Call back', bindings: [{ type: 'deal', id: 42 }] });
            crm.notify(7, 'Deal won');
            crm.http('post', 'https://hooks.example.com/crm/won?id=42', { id: 42 });
            crm.request('mail.send', { to: 'a@example.com', fn: () => 1 });
            'queued'
            """, 1));

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(
            [
                """update {"type":"deal","id":42,"fields":{"title":"Acme!","UF_BUDGET":null}}""",
                """create {"type":"task","fields":{"title":"Call","when":"2026-03-14T15:09:26.535Z"}}""",
                """changeStage {"type":"deal","id":42,"stageId":"WON"}""",
                """addComment {"type":"deal","id":42,"text":"Moved by automation"}""",
                """createActivity {"fields":{"subject":"Call back","bindings":[{"type":"deal","id":42}]}}""",
                """notify {"userId":7,"message":"Deal won"}""",
                """http {"method":"POST","url":"https://hooks.example.com/crm/won?id=42","body":{"id":42}}""",
                """mail.send {"to":"a@example.com"}""",
            ],
            outcome.Requests.Select(r => $"{r.Kind} {r.Parameters.ToJsonString()}"));
    }

    [Theory]
    [InlineData("https://hooks.example.com/other")]
    [InlineData("http://hooks.example.com/crm/x")]
    [InlineData("https://hooks.example.com:8443/crm/x")]
    [InlineData("https://user@hooks.example.com/crm/x")]
    [InlineData("https://hooks.example.com.evil.test/crm/x")]
    [InlineData("/crm/x")]
    public void Http_outside_the_allow_list_is_a_catchable_error(string url)
    {
        var caught = sandbox.Run($"try {{ crm.http('GET', '{url}'); 'sent' }} catch (e) {{ e instanceof TypeError && e.message }}");
        var uncaught = sandbox.Run($"crm.http('GET', '{url}')");

        Assert.Contains("is not on the allow list (Scripts:HttpAllowList)", caught.Result!.GetValue<string>());
        Assert.Equal(ScriptErrorCodes.ScriptError, uncaught.Error!.Code);
        Assert.Empty(uncaught.Requests);
    }

    [Fact]
    public void A_start_without_an_event_shows_its_input()
    {
        var run = StageChange("event.input.note + ' ' + event.kind", 1) with { Event = new ScriptEvent("platform.manual", new Dictionary<string, ScriptFieldChange>(), null, Pinned) { Input = new JsonObject { ["note"] = "hello" } } };

        Assert.Equal("hello platform.manual", sandbox.Run(run).Result!.GetValue<string>());
    }

    [Fact]
    public void A_caller_that_carries_the_requests_out_may_decide_the_http_allow_list_instead()
    {
        ScriptRun Run(string url) => new($"crm.http('POST', '{url}', {{}}); 'sent'")
        {
            HttpAllowed = uri => uri.IdnHost == "callee.example.net",
            HttpAllowListName = "Its:OwnList",
        };

        Assert.Equal("sent", sandbox.Run(Run("https://callee.example.net/any/path")).Result!.GetValue<string>());
        // Its list, not the sandbox's: a URL only the sandbox's allows is refused, naming the caller's list.
        var refused = sandbox.Run(Run("https://hooks.example.com/crm/won"));
        Assert.Equal(ScriptErrorCodes.ScriptError, refused.Error!.Code);
        Assert.Contains("(Its:OwnList)", refused.Error.Message, StringComparison.Ordinal);
        Assert.Equal(ScriptErrorCodes.ScriptError, sandbox.Run(Run("ftp://callee.example.net/x")).Error!.Code);
    }

    [Theory]
    [InlineData("crm.update('deal', 0, {})", "An id must be a whole number")]
    [InlineData("crm.update('deal', 1.5, {})", "An id must be a whole number")]
    [InlineData("crm.update('no such type!', 1, {})", "is not a record type's name")]
    [InlineData("crm.notify(1, { text: 'x' })", "'message' must be a string")]
    [InlineData("const a = {}; a.self = a; crm.update('deal', 1, a)", "contains itself")]
    [InlineData("crm.request('bad kind', {})", "must be an action kind's name")]
    [InlineData("crm.get('deal', 1)", "not available to this script")]
    public void A_wrong_argument_is_a_type_error(string source, string message)
    {
        var outcome = sandbox.Run($"try {{ {source}; 'accepted' }} catch (e) {{ (e instanceof TypeError) + ': ' + e.message }}");

        Assert.StartsWith("true: ", outcome.Result!.GetValue<string>());
        Assert.Contains(message, outcome.Result!.GetValue<string>());
    }

    [Fact]
    public void A_failed_run_keeps_no_requests_but_keeps_its_log()
    {
        var outcome = sandbox.Run("log('before'); crm.notify(1, 'x'); throw new Error('stop');");

        Assert.Equal(ScriptErrorCodes.ScriptError, outcome.Error!.Code);
        Assert.Empty(outcome.Requests);
        Assert.Equal(["before"], outcome.Log);
    }

    [Fact]
    public void A_javascript_error_reports_its_message_line_column_and_stack()
    {
        var outcome = sandbox.Run(StageChange("function check(deal) {\n  if (!deal.budget) {\n    throw new Error('no budget on ' + deal.title);\n  }\n}\ncheck(record);", 1));

        Assert.Equal(ScriptErrorCodes.ScriptError, outcome.Error!.Code);
        Assert.Equal("no budget on Acme", outcome.Error.Message);
        Assert.Equal(3, outcome.Error.Line);
        // Where the error was made: `new Error(...)`.
        Assert.Equal(11, outcome.Error.Column);
        Assert.Contains("at check (script:3:11)", outcome.Error.Stack);
        Assert.Contains("script:6:", outcome.Error.Stack);
    }

    [Fact]
    public void A_syntax_error_reports_its_line_and_column_when_checked_and_when_run()
    {
        const string source = "const a = 1;\nconst b = ;\n";

        var check = sandbox.Check(source);
        var run = sandbox.Run(source);

        Assert.False(check.IsValid);
        Assert.Equal(ScriptErrorCodes.SyntaxError, check.Error!.Code);
        Assert.Equal(2, check.Error.Line);
        Assert.Equal(11, check.Error.Column);
        Assert.Contains("Unexpected token", check.Error.Message);
        Assert.Equal(check.Error, run.Error);
        Assert.True(sandbox.Check("const a = 1; a + 1").IsValid);
    }

    [Fact]
    public void Sloppy_mode_code_is_refused_as_strict()
    {
        Assert.Equal(ScriptErrorCodes.SyntaxError, sandbox.Check("with (record) { title }").Error!.Code);
    }

    [Theory]
    [InlineData("({ a: 1, f: function () {}, u: undefined, s: Symbol('x') })", """{"a":1}""")]
    [InlineData("[1, () => 1, undefined, NaN, Infinity, -0.5]", """[1,null,null,null,null,-0.5]""")]
    [InlineData("new Date(0)", "\"1970-01-01T00:00:00.000Z\"")]
    [InlineData("({ d: new Date('not a date') })", """{"d":null}""")]
    [InlineData("() => 1", "null")]
    [InlineData("undefined", "null")]
    [InlineData("'text'", "\"text\"")]
    [InlineData("({ toJSON() { return 'called'; }, a: 2 })", """{"a":2}""")]
    [InlineData("Object.assign(Object.create(null), { b: [true, null] })", """{"b":[true,null]}""")]
    public void A_result_is_turned_into_json(string source, string json)
    {
        var outcome = sandbox.Run(source);

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(json, outcome.Result?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData("const a = { }; a.self = a; a", "contains itself")]
    [InlineData("const a = []; a.push({ list: a }); a", "contains itself")]
    [InlineData("({ get secret() { return 1; } })", "getter")]
    [InlineData("new Map([[1, 2]])", "Map")]
    [InlineData("new Proxy({}, { ownKeys() { while (true) {} } })", "not JSON data")]
    [InlineData("10n", "BigInt")]
    [InlineData("let v = 1; for (let i = 0; i < 70; i++) { v = [v]; } v", "deeper than 64")]
    public void A_result_that_is_not_json_data_is_refused(string source, string message)
    {
        var outcome = sandbox.Run(source);

        Assert.Equal(ScriptErrorCodes.InvalidResult, outcome.Error!.Code);
        Assert.Contains(message, outcome.Error.Message);
    }
}

/// <summary>Prepared scripts are kept by content, within their bound.</summary>
public sealed class PreparedScriptCacheTests
{
    [Fact]
    public void A_source_is_prepared_once_and_shared()
    {
        using var cache = new PreparedScriptCache(1_000);

        var first = cache.Get("record.opportunity > 10000");
        var again = cache.Get("record.opportunity > 10000");
        var other = cache.Get("record.opportunity > 10001");

        Assert.Same(first.Program, again.Program);
        Assert.NotSame(first.Program, other.Program);
    }

    [Fact]
    public void Nothing_is_kept_without_room()
    {
        using var none = new PreparedScriptCache(0);
        using var small = new PreparedScriptCache(10);
        const string source = "record.opportunity > 10000";

        Assert.NotSame(none.Get(source).Program, none.Get(source).Program);
        Assert.NotSame(small.Get(source).Program, small.Get(source).Program);
    }
}
