using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Interop;

namespace Crm.PluginSdk.Scripting;

/// <summary>
/// The globals of one run: <c>event</c>, <c>record</c>, <c>vars</c>, <c>params</c>, <c>log</c>
/// and the <c>crm</c> object, whose reads call the host's <see cref="IScriptRecordSource"/> and
/// whose requests are only recorded. A wrong argument is a catchable <c>TypeError</c>; a limit
/// ends the run.
/// </summary>
internal sealed partial class CrmScriptApi(Engine engine, ScriptSandboxOptions options, ScriptRun run, TimeProvider clock, long deadline, CancellationToken cancellationToken) : IDisposable
{
    private const string Section = ScriptSandboxOptions.SectionName;
    private static readonly string[] HttpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    private readonly List<ScriptRequest> requests = [];
    private readonly List<string> log = [];
    private int reads;
    private int readRows;
    private long readBytes;
    private CancellationTokenSource? readDeadline;

    public IReadOnlyList<ScriptRequest> Requests => requests;

    public IReadOnlyList<string> Log => log;

    public int LogDropped { get; private set; }

    public void Install()
    {
        engine.SetValue("event", run.Event is null ? JsValue.Null : ScriptJson.ToScript(engine, run.Event.ToJson()));
        engine.SetValue("record", ScriptJson.ToScript(engine, run.Record));
        engine.SetValue("vars", ScriptJson.ToScript(engine, run.Vars ?? []));
        engine.SetValue("params", ScriptJson.ToScript(engine, run.Params ?? []));

        var logFunction = Function("log", 1, (_, args) => Append(args));
        engine.SetValue("log", logFunction);
        var console = new JsObject(engine);
        console.Set("log", logFunction);
        engine.SetValue("console", console);

        var crm = new JsObject(engine);
        crm.Set("now", Function("now", 0, (_, _) => new JsString(ScriptClock.Format(clock.GetUtcNow()))));
        crm.Set("get", Function("get", 2, (_, args) => Get(args)));
        crm.Set("find", Function("find", 3, (_, args) => Find(args)));
        crm.Set("count", Function("count", 2, (_, args) => Count(args)));
        crm.Set("update", Function("update", 3, (_, args) => Request("update", new() { ["type"] = TypeName(args, 0), ["id"] = Id(args, 1), ["fields"] = Data(args, 2, "fields") })));
        crm.Set("create", Function("create", 2, (_, args) => Request("create", new() { ["type"] = TypeName(args, 0), ["fields"] = Data(args, 1, "fields") })));
        crm.Set("changeStage", Function("changeStage", 3, (_, args) => Request("changeStage", new() { ["type"] = TypeName(args, 0), ["id"] = Id(args, 1), ["stageId"] = Text(args, 2, "stageId") })));
        crm.Set("addComment", Function("addComment", 3, (_, args) => Request("addComment", new() { ["type"] = TypeName(args, 0), ["id"] = Id(args, 1), ["text"] = Text(args, 2, "text") })));
        crm.Set("createActivity", Function("createActivity", 1, (_, args) => Request("createActivity", new() { ["fields"] = Data(args, 0, "fields") })));
        crm.Set("notify", Function("notify", 2, (_, args) => Request("notify", new() { ["userId"] = Id(args, 0), ["message"] = Text(args, 1, "message") })));
        crm.Set("http", Function("http", 3, (_, args) => Http(args)));
        crm.Set("request", Function("request", 2, (_, args) => Request(Kind(args), Data(args, 1, "parameters") as JsonObject ?? [])));
        engine.SetValue("crm", crm);

        if (run.RandomSeed is { } seed)
        {
            var random = new Random(seed);
            engine.GetValue("Math").AsObject().Set("random", Function("random", 0, (_, _) => JsNumber.Create(random.NextDouble())));
        }
    }

    private ClrFunction Function(string name, int length, Func<JsValue, JsValue[], JsValue> body) => new(engine, name, body, length);

    private JsValue Append(JsValue[] args)
    {
        if (log.Count >= options.MaxLogEntries)
        {
            LogDropped++;
            return JsValue.Undefined;
        }

        var line = new StringBuilder();
        foreach (var arg in args)
        {
            if (line.Length >= options.MaxLogEntryLength)
            {
                break;
            }

            line.Append(line.Length > 0 ? " " : "").Append(LogText(arg));
        }

        log.Add(line.Length > options.MaxLogEntryLength ? line.ToString(0, options.MaxLogEntryLength) : line.ToString());
        return JsValue.Undefined;
    }

    private string LogText(JsValue value)
    {
        if (value.IsString())
        {
            return value.AsString();
        }

        try
        {
            // Bytes are at most four per character: enough to fill an entry, never much more.
            return ScriptJson.FromScript(value, options.MaxLogEntryLength * 4, "", "")?.ToJsonString() ?? "null";
        }
        catch (Exception e) when (e is ScriptDataException or ScriptLimitException)
        {
            return $"[{ScriptJson.KindOf(value)}]";
        }
    }

    private JsValue Get(JsValue[] args)
    {
        var type = TypeName(args, 0);
        var id = Id(args, 1);
        var record = Read(source => source.GetAsync(type, id, Token()));
        Charge(record is null ? 0 : 1, record);
        return record is null ? JsValue.Null : ScriptJson.ToScript(engine, record);
    }

    private JsValue Find(JsValue[] args)
    {
        var type = TypeName(args, 0);
        var where = Where(args, 1);
        var limit = options.MaxFindRows;
        if (args.Length > 2 && !args[2].IsUndefined())
        {
            var asked = args[2].IsNumber() ? args[2].AsNumber() : double.NaN;
            if (asked != Math.Floor(asked) || asked < 1)
            {
                throw TypeError("crm.find: 'limit' must be a whole number of at least 1.");
            }

            if (asked > options.MaxFindRows)
            {
                throw new ScriptLimitException($"{Section}:{nameof(ScriptSandboxOptions.MaxFindRows)}", $"crm.find asked for {asked} records; at most {options.MaxFindRows} are returned at once.");
            }

            limit = (int)asked;
        }

        var rows = Read(source => source.FindAsync(type, where, limit, Token()));
        var kept = rows.Count > limit ? rows.Take(limit).ToList() : rows;
        var array = new JsonArray();
        foreach (var row in kept)
        {
            array.Add(row.DeepClone());
        }

        Charge(kept.Count, array);
        return ScriptJson.ToScript(engine, array);
    }

    private JsValue Count(JsValue[] args)
    {
        var type = TypeName(args, 0);
        var where = Where(args, 1);
        return JsNumber.Create(Read(source => source.CountAsync(type, where, Token())));
    }

    /// <summary>
    /// A read runs on the run's thread, which waits for it (Jint's calls are synchronous).
    /// Reads are few (<see cref="ScriptSandboxOptions.MaxReads"/>) and end at the run's
    /// deadline, so the wait is bounded by <see cref="ScriptSandboxOptions.Timeout"/>.
    /// </summary>
    private T Read<T>(Func<IScriptRecordSource, Task<T>> read)
    {
        var source = run.Records ?? throw TypeError("crm.get, crm.find and crm.count are not available to this script.");
        if (++reads > options.MaxReads)
        {
            throw new ScriptLimitException($"{Section}:{nameof(ScriptSandboxOptions.MaxReads)}", $"The script read more than {options.MaxReads} times.");
        }

        try
        {
            // WaitAsync: the run stops waiting at its deadline even if the source ignores the token.
            return read(source).WaitAsync(Token()).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("The script's read ran past its deadline.");
        }
        catch (ScriptReadUnavailableException e)
        {
            throw new JavaScriptException(engine.Intrinsics.Error, e.Message);
        }
    }

    // One token for every read of the run, cancelled at the run's deadline (a Stopwatch timestamp).
    private CancellationToken Token()
    {
        if (readDeadline is null)
        {
            readDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            readDeadline.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        return readDeadline.Token;
    }

    public void Dispose() => readDeadline?.Dispose();

    private void Charge(int rows, JsonNode? value)
    {
        readRows += rows;
        readBytes += value is null ? 0 : Encoding.UTF8.GetByteCount(value.ToJsonString());
        if (readRows > options.MaxReadRows)
        {
            throw new ScriptLimitException($"{Section}:{nameof(ScriptSandboxOptions.MaxReadRows)}", $"The script read more than {options.MaxReadRows} records.");
        }

        if (readBytes > options.MaxReadBytes)
        {
            throw new ScriptLimitException($"{Section}:{nameof(ScriptSandboxOptions.MaxReadBytes)}", $"The script read more than {options.MaxReadBytes} bytes of records.");
        }
    }

    private JsValue Http(JsValue[] args)
    {
        var method = Text(args, 0, "method").ToUpperInvariant();
        if (!HttpMethods.Contains(method))
        {
            throw TypeError($"crm.http: 'method' must be one of {string.Join(", ", HttpMethods)}.");
        }

        var url = Text(args, 1, "url");
        if (!IsAllowed(url))
        {
            throw TypeError($"crm.http: '{(url.Length > 200 ? url[..200] + "..." : url)}' is not on the allow list ({run.HttpAllowListName ?? $"{Section}:{nameof(ScriptSandboxOptions.HttpAllowList)}"}).");
        }

        return Request("http", new() { ["method"] = method, ["url"] = url, ["body"] = args.Length > 2 ? Data(args, 2, "body") : null });
    }

    private bool IsAllowed(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var target) || target.UserInfo.Length > 0)
        {
            return false;
        }

        // The caller that carries the requests out decides, when it says so (one allow list, its own).
        if (run.HttpAllowed is { } allowedByCaller)
        {
            return target.Scheme is "http" or "https" && allowedByCaller(target);
        }

        foreach (var prefix in options.HttpAllowList)
        {
            if (Uri.TryCreate(prefix, UriKind.Absolute, out var allowed)
                && allowed.Scheme == target.Scheme
                && string.Equals(allowed.IdnHost, target.IdnHost, StringComparison.OrdinalIgnoreCase)
                && allowed.Port == target.Port
                && target.AbsolutePath.StartsWith(allowed.AbsolutePath, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private JsValue Request(string kind, JsonObject parameters)
    {
        if (requests.Count >= options.MaxRequests)
        {
            throw new ScriptLimitException($"{Section}:{nameof(ScriptSandboxOptions.MaxRequests)}", $"The script made more than {options.MaxRequests} requests.");
        }

        if (Encoding.UTF8.GetByteCount(parameters.ToJsonString()) > options.MaxRequestBytes)
        {
            throw new ScriptLimitException($"{Section}:{nameof(ScriptSandboxOptions.MaxRequestBytes)}", $"A request's parameters are over {options.MaxRequestBytes} bytes.");
        }

        requests.Add(new ScriptRequest(kind, parameters));
        return JsValue.Undefined;
    }

    private string Kind(JsValue[] args)
    {
        var kind = Text(args, 0, "kind");
        return KindPattern().IsMatch(kind) ? kind : throw TypeError("crm.request: 'kind' must be an action kind's name (a letter, then letters, digits, '_', '.' or '-', at most 100).");
    }

    private string TypeName(JsValue[] args, int index)
    {
        var type = Text(args, index, "type");
        return TypePattern().IsMatch(type) ? type : throw TypeError($"'{(type.Length > 64 ? type[..64] + "..." : type)}' is not a record type's name.");
    }

    private JsonObject? Where(JsValue[] args, int index) =>
        args.Length <= index || args[index].IsNull() || args[index].IsUndefined()
            ? null
            : Data(args, index, "where") as JsonObject ?? throw TypeError("'where' must be an object.");

    private long Id(JsValue[] args, int index)
    {
        var value = Arg(args, index);
        if (value.IsNumber() && value.AsNumber() is var number && number >= 1 && number == Math.Floor(number) && number < 9_007_199_254_740_992d)
        {
            return (long)number;
        }

        if (value.IsString() && Entities.RecordIds.TryParse(value.AsString(), out var id))
        {
            return id;
        }

        throw TypeError("An id must be a whole number of at least 1.");
    }

    private string Text(JsValue[] args, int index, string name)
    {
        var value = Arg(args, index);
        return value.IsString() ? value.AsString() : throw TypeError($"'{name}' must be a string.");
    }

    private JsonNode? Data(JsValue[] args, int index, string name)
    {
        try
        {
            return ScriptJson.FromScript(Arg(args, index), options.MaxRequestBytes, $"{Section}:{nameof(ScriptSandboxOptions.MaxRequestBytes)}", "A request's parameters are over {0} bytes.");
        }
        catch (ScriptDataException e)
        {
            throw TypeError($"'{name}': {e.Message}");
        }
    }

    private static JsValue Arg(JsValue[] args, int index) => index < args.Length ? args[index] : JsValue.Undefined;

    private JavaScriptException TypeError(string message) => new(engine.Intrinsics.TypeError, message);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,63}$")]
    private static partial Regex TypePattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]{0,99}$")]
    private static partial Regex KindPattern();
}
