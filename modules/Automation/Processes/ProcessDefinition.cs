using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Crm.Modules.Automation.Processes;

/// <summary>What starts a process's instances on its records.</summary>
public enum StartMode
{
    /// <summary>Only <c>startProcess</c> (by hand, or a sub-process step).</summary>
    Manual,

    /// <summary>A record of the type was created (and the condition holds).</summary>
    OnCreate,

    /// <summary>A record of the type was changed (and the condition holds).</summary>
    OnUpdate,
}

/// <summary>The kinds of step a graph is drawn from.</summary>
public static class StepKinds
{
    public const string Start = "start";
    public const string End = "end";
    public const string Action = "action";
    public const string Script = "script";
    public const string If = "if";
    public const string Switch = "switch";
    public const string Split = "split";
    public const string Join = "join";
    public const string Loop = "loop";
    public const string SubProcess = "subProcess";
    public const string Wait = "wait";
    public const string Approval = "approval";

    public static readonly IReadOnlyList<string> All = [Start, End, Action, Script, If, Switch, Split, Join, Loop, SubProcess, Wait, Approval];
}

/// <summary>
/// One step of a graph: its id (the editor's, unique in the graph), kind, label, parameters (by kind:
/// README, Business processes) and the editor's own data (<see cref="Position"/>, kept as given).
/// </summary>
public sealed record ProcessStep(string Id, string Kind, string? Name, JsonObject Params, JsonObject? Position);

/// <summary>An edge from one step to the next; <see cref="When"/> labels the outcome it is taken for (<c>true</c>, <c>approved</c>, <c>body</c>, a switch's value).</summary>
public sealed record ProcessEdge(string From, string To, string? When);

/// <summary>
/// A validated process version: how it starts (mode and condition tree), its graph, and whether a
/// record may have more than one active instance of it. Stored as JSON in <see cref="BusinessProcessVersion.Definition"/>.
/// </summary>
public sealed record ProcessDefinition(StartMode Start, JsonObject? StartCondition, IReadOnlyList<ProcessStep> Steps, IReadOnlyList<ProcessEdge> Edges, bool AllowConcurrentInstances)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [JsonIgnore]
    public ProcessStep StartStep => Steps.First(s => s.Kind == StepKinds.Start);

    public ProcessStep Step(string id) => Steps.First(s => s.Id == id);

    public IEnumerable<ProcessEdge> Out(string id) => Edges.Where(e => e.From == id);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ProcessDefinition FromJson(string json) =>
        JsonSerializer.Deserialize<ProcessDefinition>(json, Json) ?? throw new InvalidOperationException("A stored process definition is empty.");

    /// <summary>The graph as an editor reads it back: <c>{ steps: [...], edges: [...] }</c>.</summary>
    public JsonObject Graph() => new()
    {
        ["steps"] = JsonSerializer.SerializeToNode(Steps, Json),
        ["edges"] = JsonSerializer.SerializeToNode(Edges, Json),
    };
}

/// <summary>
/// What a branch of an instance waits for; <see cref="Timer"/> names its scheduled work (a timer, an
/// approval's timeout) and <see cref="DueAt"/> when it fires; <see cref="Secret"/> is a webhook wait's
/// (never shown in an instance's position: only to the settings right, <c>webhookWaits</c>).
/// </summary>
public sealed record TokenWait(string Kind, string? Name = null, long? ApprovalId = null, long? ChildInstanceId = null, string? Timer = null, DateTimeOffset? DueAt = null, string? Secret = null);

/// <summary>
/// A branch of an instance: the step it is at, and what it waits for (null: ready to take the step).
/// <see cref="StartedAt"/> is set, in a commit of its own, before a step whose effect leaves the
/// database (a script, a webhook) is taken, and cleared by the advance past it: a branch found with
/// it set was cut off between the two, and its step is not taken again (<see cref="ProcessEngine"/>).
/// </summary>
public sealed record InstanceToken(int Id, string At, TokenWait? Wait, DateTimeOffset? StartedAt = null);

/// <summary>An instance's position: its branches, each join's arrivals, each loop's passes, the signals' payloads.</summary>
public sealed record InstanceState(IReadOnlyList<InstanceToken> Tokens, IReadOnlyDictionary<string, int> Joins, IReadOnlyDictionary<string, int> Loops, int NextToken, JsonObject? Signals)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static InstanceState At(string stepId) => new([new InstanceToken(1, stepId, null)], new Dictionary<string, int>(), new Dictionary<string, int>(), 2, null);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static InstanceState FromJson(string json) =>
        JsonSerializer.Deserialize<InstanceState>(json, Json) ?? throw new InvalidOperationException("A stored instance state is empty.");

    public InstanceState Replace(int token, params InstanceToken[] with) =>
        this with { Tokens = [.. Tokens.Where(t => t.Id != token), .. with] };
}
