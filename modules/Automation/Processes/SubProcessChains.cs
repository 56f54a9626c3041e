using System.Globalization;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Definitions;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// The chains of sub-processes a definition joins, checked when it is saved and again when it is
/// activated (others may have changed in between): through the active versions of its record type's
/// processes (what a sub-process step starts), with the definition in place of its own process's, no
/// chain may be more than <see cref="ProcessLimits.MaxSubProcessDepth"/> processes long, counting
/// those that start it, nor come back to a process on it. The engine's check when it runs stays as
/// the last guard (two processes activated at once could still close a cycle between them).
/// </summary>
internal sealed class SubProcessChains(AutomationDbContext db)
{
    public sealed record Problem(string StepId, string Code, string Message);

    public async Task<Problem?> FindAsync(string entityType, long? processId, ProcessDefinition definition, CancellationToken cancellationToken)
    {
        var mine = StartedBy(definition);
        if (mine.Count == 0)
        {
            return null;
        }

        // Which processes each active version starts (one statement; at most MaxProcessesPerType rows).
        var active = await db.ProcessVersions.AsNoTracking()
            .Where(v => v.State == DefinitionState.Active && db.Processes.Any(p => p.Id == v.ProcessId && p.EntityType == entityType))
            .Select(v => new { v.ProcessId, v.Definition })
            .ToListAsync(cancellationToken);
        var starts = active.Where(v => v.ProcessId != processId).ToDictionary(v => v.ProcessId, v => StartedBy(ProcessDefinition.FromJson(v.Definition)).Select(s => s.Child).Distinct().ToList());
        var self = processId ?? 0;
        starts[self] = [.. mine.Select(s => s.Child).Distinct()];

        var above = Longest(Reverse(starts), self, []);
        foreach (var (stepId, child) in mine)
        {
            var below = Longest(starts, child, [self]);
            if (below is null)
            {
                return new Problem(stepId, Crm.PluginSdk.GraphQL.ErrorCodes.InvalidValue,
                    $"Step '{stepId}': the sub-processes it starts (process {child.ToString(CultureInfo.InvariantCulture)}, as active now) come back to a process on their chain: a cycle.");
            }

            if ((above ?? 1) + below > ProcessLimits.MaxSubProcessDepth)
            {
                return new Problem(stepId, Crm.PluginSdk.GraphQL.ErrorCodes.LimitExceeded,
                    $"Step '{stepId}': the chain of sub-processes through it is {((above ?? 1) + below).Value.ToString(CultureInfo.InvariantCulture)} processes long, counting those that start this one; sub-processes nest at most {ProcessLimits.MaxSubProcessDepth} deep.");
            }
        }

        return null;
    }

    private static List<(string StepId, long Child)> StartedBy(ProcessDefinition definition) =>
        [.. definition.Steps.Where(s => s.Kind == StepKinds.SubProcess && s.Params["processId"] is not null)
            .Select(s => (s.Id, long.Parse(s.Params["processId"]!.ToJsonString().Trim('"'), CultureInfo.InvariantCulture)))];

    private static Dictionary<long, List<long>> Reverse(Dictionary<long, List<long>> starts)
    {
        var reverse = new Dictionary<long, List<long>>();
        foreach (var (parent, children) in starts)
        {
            foreach (var child in children)
            {
                (reverse.TryGetValue(child, out var parents) ? parents : reverse[child] = []).Add(parent);
            }
        }

        return reverse;
    }

    /// <summary>
    /// The number of processes on the longest chain from <paramref name="node"/> (itself included);
    /// null when a chain comes back to one on <paramref name="path"/>. Cut off one past the limit:
    /// nothing longer matters, and the walk stays small whatever the graph.
    /// </summary>
    private static int? Longest(Dictionary<long, List<long>> next, long node, HashSet<long> path)
    {
        if (path.Contains(node))
        {
            return null;
        }

        if (path.Count > ProcessLimits.MaxSubProcessDepth)
        {
            return 1;
        }

        path.Add(node);
        var longest = 1;
        foreach (var child in next.GetValueOrDefault(node) ?? [])
        {
            if (Longest(next, child, path) is not { } below)
            {
                path.Remove(node);
                return null;
            }

            longest = Math.Max(longest, below + 1);
        }

        path.Remove(node);
        return longest;
    }
}
