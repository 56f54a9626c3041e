using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>A process as a caller gives it (GraphQL's <c>BusinessProcessInput</c>), before it is checked.</summary>
public sealed record ProcessInput(string? Name, string? Description, StartMode Start, JsonNode? StartCondition, JsonNode? Graph, long? RunAsUserId, bool AllowConcurrentInstances);

/// <summary>A process version's content once checked: what is stored.</summary>
public sealed record ValidProcess(string Name, string? Description, ProcessDefinition Definition, long RunAsUserId);

/// <summary>
/// Checks a process when it is saved, all at once: the limits first (the graph's size, steps, edges),
/// then each step's parameters by kind (an action's by the catalog and <see cref="ParameterValidator"/>,
/// as a rule's; a condition by <see cref="ConditionValidator"/>; a script by the sandbox), each edge's
/// ends (a dangling edge names its step), and the graph's shape (<see cref="ProcessGraphChecks"/>).
/// </summary>
public sealed class ProcessValidator(IServiceProvider services)
{
    public async Task<ValidProcess?> ValidateAsync(ICrmEntityDefinition recordType, long? processId, ProcessInput input, List<UserError> errors, CancellationToken cancellationToken)
    {
        var before = errors.Count;
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > ProcessLimits.MaxNameLength)
        {
            errors.Add(UserError.At(string.IsNullOrEmpty(name) ? ErrorCodes.Required : ErrorCodes.TooLong, $"A process has a name of at most {ProcessLimits.MaxNameLength} characters.", "input", "name"));
        }

        if (input.Description is { Length: > ProcessLimits.MaxDescriptionLength })
        {
            errors.Add(UserError.At(ErrorCodes.TooLong, $"A process's description is at most {ProcessLimits.MaxDescriptionLength} characters.", "input", "description"));
        }

        JsonObject? startCondition = null;
        if (input.StartCondition is JsonObject tree)
        {
            startCondition = tree;
            await ConditionValidator.ValidateAsync(services, recordType, tree, ["input", "startCondition"], errors, cancellationToken);
        }
        else if (input.StartCondition is not null)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat, "A start condition is a condition tree (an object).", "input", "startCondition"));
        }

        var runAs = input.RunAsUserId ?? services.GetRequiredService<ICurrentActor>().UserId ?? 0;
        if (runAs <= 0 || !(await services.GetRequiredService<IUserDirectory>().LoadUsersAsync([runAs], cancellationToken)).ContainsKey(runAs))
        {
            errors.Add(UserError.At(ErrorCodes.NotFound, "The run-as user does not exist.", "input", "runAsUserId"));
        }

        var graph = await GraphAsync(recordType, processId, input.Graph, errors, cancellationToken);
        if (errors.Count > before || graph is null)
        {
            return null;
        }

        var definition = new ProcessDefinition(input.Start, startCondition, graph.Value.Steps, graph.Value.Edges, input.AllowConcurrentInstances);
        if (definition.ToJson().Length > ProcessLimits.MaxDefinitionLength)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded, $"A process's definition is at most {ProcessLimits.MaxDefinitionLength} characters of JSON.", "input", "graph"));
            return null;
        }

        if (await new SubProcessChains(services.GetRequiredService<AutomationDbContext>()).FindAsync(recordType.Name, processId, definition, cancellationToken) is { } chain)
        {
            errors.Add(new UserError(chain.Code, chain.Message, ["input", "graph", "steps", I(graph.Value.Steps.FindIndex(s => s.Id == chain.StepId)), "params", "processId"]));
            return null;
        }

        return new ValidProcess(name!, string.IsNullOrWhiteSpace(input.Description) ? null : input.Description, definition, runAs);
    }

    private async Task<(List<ProcessStep> Steps, List<ProcessEdge> Edges)?> GraphAsync(ICrmEntityDefinition recordType, long? processId, JsonNode? graph, List<UserError> errors, CancellationToken cancellationToken)
    {
        // Limits before any work: the size first, then the counts.
        if (graph is not JsonObject { } obj || obj["steps"] is not JsonArray stepsJson || obj["edges"] is not JsonArray edgesJson)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat, "A graph is an object { steps: [...], edges: [...] }.", "input", "graph"));
            return null;
        }

        if (obj.ToJsonString().Length > ProcessLimits.MaxDefinitionLength || stepsJson.Count > ProcessLimits.MaxSteps || edgesJson.Count > ProcessLimits.MaxEdges)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded,
                $"A graph has at most {ProcessLimits.MaxSteps} steps, {ProcessLimits.MaxEdges} edges and {ProcessLimits.MaxDefinitionLength} characters of JSON.", "input", "graph"));
            return null;
        }

        var before = errors.Count;
        var steps = new List<ProcessStep>();
        for (var i = 0; i < stepsJson.Count; i++)
        {
            string[] at = ["input", "graph", "steps", I(i)];
            if (stepsJson[i] is not JsonObject step || Text(step["id"]) is not { Length: > 0 and <= ProcessLimits.MaxIdLength } id)
            {
                errors.Add(new UserError(ErrorCodes.InvalidFormat, $"A step is an object with an id of 1 to {ProcessLimits.MaxIdLength} characters.", at));
                continue;
            }

            if (steps.Any(s => s.Id == id))
            {
                errors.Add(new UserError(ErrorCodes.InvalidValue, $"Step '{id}': another step has the same id.", [.. at, "id"]));
                continue;
            }

            var kind = Text(step["kind"]);
            if (kind is null || !StepKinds.All.Contains(kind))
            {
                errors.Add(new UserError(ErrorCodes.InvalidValue, $"Step '{id}': 'kind' is one of {string.Join(", ", StepKinds.All)}.", [.. at, "kind"]));
                continue;
            }

            var label = Text(step["name"]);
            if (label is { Length: > ProcessLimits.MaxNameLength })
            {
                errors.Add(new UserError(ErrorCodes.TooLong, $"Step '{id}': its name is at most {ProcessLimits.MaxNameLength} characters.", [.. at, "name"]));
            }

            var parameters = step["params"] as JsonObject ?? [];
            if (await ParamsAsync(recordType, processId, id, kind, parameters, [.. at, "params"], errors, cancellationToken) is { } valid)
            {
                steps.Add(new ProcessStep(id, kind, label, valid, step["position"]?.DeepClone() as JsonObject));
            }
        }

        var edges = new List<ProcessEdge>();
        for (var i = 0; i < edgesJson.Count; i++)
        {
            string[] at = ["input", "graph", "edges", I(i)];
            var edge = edgesJson[i] as JsonObject;
            var (from, to, when) = (Text(edge?["from"]), Text(edge?["to"]), Text(edge?["when"]));
            if (from is null || to is null || when is { Length: > ProcessLimits.MaxIdLength })
            {
                errors.Add(new UserError(ErrorCodes.InvalidFormat, $"An edge is {{ from, to, when? }}: the ids of two steps and an optional label of at most {ProcessLimits.MaxIdLength} characters.", at));
                continue;
            }

            // A dangling edge names the step it hangs from (or the missing one it points to).
            foreach (var (end, field) in new[] { (from, "from"), (to, "to") })
            {
                if (stepsJson.All(s => Text(s?["id"]) != end))
                {
                    errors.Add(new UserError(ErrorCodes.InvalidValue, $"Edge {I(i)} from '{from}' to '{to}' is dangling: there is no step '{end}'.", [.. at, field]));
                }
            }

            edges.Add(new ProcessEdge(from, to, when));
        }

        if (errors.Count > before)
        {
            return null;
        }

        ProcessGraphChecks.Check(steps, edges, errors);
        return errors.Count > before ? null : (steps, edges);
    }

    /// <summary>A step's parameters as stored; null when they are wrong (each problem added to <paramref name="errors"/>).</summary>
    private async Task<JsonObject?> ParamsAsync(ICrmEntityDefinition recordType, long? processId, string id, string kind, JsonObject given, string[] at, List<UserError> errors, CancellationToken cancellationToken)
    {
        var before = errors.Count;
        void Fail(string field, string message) => errors.Add(new UserError(ErrorCodes.InvalidValue, $"Step '{id}': {message}", [.. at, field]));
        var rules = new RuleValidator(services);
        var catalog = services.GetRequiredService<AutomationCatalog>();
        switch (kind)
        {
            case StepKinds.Action:
                var action = await rules.StepAsync(recordType, null, new RuleStepInput(Text(given["kind"]), given["params"]), catalog.FindAction, "action", at, errors, cancellationToken);
                return action is null ? null : new JsonObject { ["kind"] = action.Kind, ["params"] = action.Params.DeepClone() };
            case StepKinds.Script:
                var script = await rules.StepAsync(recordType, null, new RuleStepInput(ProcessEngine.ScriptKind, new JsonObject { ["source"] = given["source"]?.DeepClone() }), catalog.FindAction, "action", at, errors, cancellationToken);
                return script?.Params;
            case StepKinds.If:
                if (given["condition"] is JsonObject condition)
                {
                    await ConditionValidator.ValidateAsync(services, recordType, condition, [.. at, "condition"], errors, cancellationToken);
                }
                else
                {
                    Fail("condition", "an if step has a condition tree ('condition').");
                }

                break;
            case StepKinds.Switch:
                if (Text(given["field"]) is not { Length: <= 100 } field || !RecordFieldNames.Exists(services, recordType, field))
                {
                    Fail("field", $"a switch step names a field of {recordType.Name} ('field').");
                }

                break;
            case StepKinds.Loop:
                if (given["max"] is not JsonValue max || !int.TryParse(max.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out var cap) || cap < 1 || cap > ProcessLimits.MaxLoopIterations)
                {
                    errors.Add(new UserError(ErrorCodes.LimitExceeded, $"Step '{id}': a loop step's cap ('max') is 1 to {ProcessLimits.MaxLoopIterations}.", [.. at, "max"]));
                }
                else
                {
                    given["max"] = cap;
                }

                break;
            case StepKinds.Join:
                if (Text(given["split"]) is null)
                {
                    Fail("split", "a join step names its split step ('split').");
                }

                break;
            case StepKinds.SubProcess:
                await SubProcessAsync(recordType, processId, given, Fail, cancellationToken);
                break;
            case StepKinds.Wait:
                await WaitAsync(recordType, given, at, Fail, errors, cancellationToken);
                if (Text(given["on"]) == "webhook" && given.ContainsKey("notify"))
                {
                    await WaitNoticeCheck.CheckAsync(services, recordType, id, given, [.. at, "notify"], errors, cancellationToken);
                }

                break;
            case StepKinds.Approval:
                await ApprovalAsync(given, Fail, errors, at, cancellationToken);
                break;
        }

        return errors.Count > before ? null : (JsonObject)given.DeepClone();
    }

    private async Task SubProcessAsync(ICrmEntityDefinition recordType, long? processId, JsonObject given, Action<string, string> fail, CancellationToken cancellationToken)
    {
        if (given["processId"] is not JsonValue raw || !RecordIds.TryParse(raw.ToJsonString().Trim('"'), out var child) || child == processId)
        {
            fail("processId", "a sub-process step names another process ('processId').");
            return;
        }

        var type = await services.GetRequiredService<AutomationDbContext>().Processes.AsNoTracking().Where(p => p.Id == child).Select(p => p.EntityType).FirstOrDefaultAsync(cancellationToken);
        if (type != recordType.Name)
        {
            fail("processId", $"no process {I(child)} of {recordType.Name} records exists.");
        }
    }

    private async Task WaitAsync(ICrmEntityDefinition recordType, JsonObject given, string[] at, Action<string, string> fail, List<UserError> errors, CancellationToken cancellationToken)
    {
        switch (Text(given["on"]))
        {
            case "signal":
                if (Text(given["name"]) is not { Length: > 0 and <= ProcessLimits.MaxSignalNameLength })
                {
                    fail("name", $"a signal wait names its signal ('name', at most {ProcessLimits.MaxSignalNameLength} characters).");
                }

                break;
            case "condition":
                if (given["condition"] is JsonObject condition)
                {
                    await ConditionValidator.ValidateAsync(services, recordType, condition, [.. at, "condition"], errors, cancellationToken);
                }
                else
                {
                    fail("condition", "a condition wait has a condition tree ('condition').");
                }

                break;
            case "timer":
                Duration(given, "delay", fail, required: true);
                break;
            case "webhook":
                break;
            default:
                fail("on", "a wait is on 'signal', 'condition', 'timer' or 'webhook'.");
                break;
        }
    }

    private async Task ApprovalAsync(JsonObject given, Action<string, string> fail, List<UserError> errors, string[] at, CancellationToken cancellationToken)
    {
        if (Text(given["mode"]) is { } mode && !Enum.TryParse<ApprovalMode>(mode, true, out _))
        {
            fail("mode", "an approval's mode is any, all or majority.");
        }

        Duration(given, "timeout", fail, required: false);
        if (Text(given["title"]) is { Length: > ProcessLimits.MaxNameLength })
        {
            fail("title", $"an approval's title is at most {ProcessLimits.MaxNameLength} characters.");
        }

        // Users by id, roles (their holders when the step starts) and the responsible's department head: at least one of them.
        var byHead = given["departmentHead"] is { } head && head.GetValueKind() is JsonValueKind.True;
        if (given["departmentHead"] is { } flag && flag.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            fail("departmentHead", "'departmentHead' is true or false.");
        }

        var users = await IdsAsync(given, "assignees", ProcessLimits.MaxAssignees, "user", fail, errors, at, async ids =>
            (await services.GetRequiredService<IUserDirectory>().LoadUsersAsync(ids, cancellationToken)).Keys.ToHashSet(), cancellationToken);
        var roles = await IdsAsync(given, "roles", ProcessLimits.MaxApproverRoles, "role", fail, errors, at, async ids =>
            services.GetService<IOrganization>() is { } organization ? await organization.ExistingRolesAsync(ids, cancellationToken) : new HashSet<long>(), cancellationToken);
        if (users is { Count: 0 } && roles is { Count: 0 } && !byHead)
        {
            errors.Add(new UserError(ErrorCodes.LimitExceeded,
                $"An approval step names its assignees: 1 to {ProcessLimits.MaxAssignees} users ('assignees'), roles ('roles'), or the responsible's department head ('departmentHead': true).", [.. at, "assignees"]));
        }
    }

    /// <summary>
    /// A list of distinct ids of existing things at <paramref name="field"/> (absent: none), stored back
    /// as numbers; null (with the error added) when it is too long, malformed or names what does not exist.
    /// </summary>
    private static async Task<List<long>?> IdsAsync(JsonObject given, string field, int max, string what, Action<string, string> fail, List<UserError> errors, string[] at,
        Func<List<long>, Task<IReadOnlySet<long>>> existing, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (given[field] is null)
        {
            return [];
        }

        if (given[field] is not JsonArray list || list.Count > max)
        {
            errors.Add(new UserError(ErrorCodes.LimitExceeded, $"An approval step's '{field}' is a list of at most {max} {what} ids.", [.. at, field]));
            return null;
        }

        var ids = list.Select(a => a is JsonValue v && RecordIds.TryParse(v.ToJsonString().Trim('"'), out var id) ? id : 0).ToList();
        var known = ids.Contains(0) ? null : await existing(ids.Distinct().ToList());
        if (known is null || ids.Distinct().Count() != ids.Count || ids.Any(id => !known.Contains(id)))
        {
            fail(field, $"an approval's '{field}' are distinct ids of existing {what}s.");
            return null;
        }

        given[field] = new JsonArray([.. ids.Select(id => JsonValue.Create(id))]);
        return ids;
    }

    /// <summary>An ISO 8601 duration (PT30M, P3D) of <see cref="ProcessLimits.MinTimer"/> to <see cref="ParameterValidator.MaxDuration"/>; null when absent or wrong.</summary>
    public static TimeSpan? Duration(JsonObject given, string field, Action<string, string>? fail = null, bool required = false)
    {
        if (Text(given[field]) is not { Length: > 0 and <= 64 } text)
        {
            if (required || given.ContainsKey(field))
            {
                fail?.Invoke(field, $"'{field}' is an ISO 8601 duration (PT30M, P3D).");
            }

            return null;
        }

        try
        {
            var duration = System.Xml.XmlConvert.ToTimeSpan(text);
            if (duration >= ProcessLimits.MinTimer && duration <= ParameterValidator.MaxDuration)
            {
                return duration;
            }
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
        }

        fail?.Invoke(field, $"'{field}' is an ISO 8601 duration of {ProcessLimits.MinTimer.TotalSeconds} second to {ParameterValidator.MaxDuration.TotalDays} days.");
        return null;
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static string I(long i) => i.ToString(CultureInfo.InvariantCulture);
}
