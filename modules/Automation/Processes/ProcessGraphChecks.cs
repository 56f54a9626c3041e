using Crm.PluginSdk.GraphQL;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// The shape of a graph once its steps and edges are read: one start, an end, every step reached
/// from the start and reaching an end, each kind with the edges it needs, no cycle that does not
/// pass a (capped) loop step, and each join matching its split. Each error names the faulty step
/// (or edge) in its message and its path.
/// </summary>
internal static class ProcessGraphChecks
{
    public static void Check(IReadOnlyList<ProcessStep> steps, IReadOnlyList<ProcessEdge> edges, List<UserError> errors)
    {
        var before = errors.Count;
        var index = steps.Select((s, i) => (s, i)).ToDictionary(x => x.s.Id, x => x.i, StringComparer.Ordinal);
        var outgoing = steps.ToDictionary(s => s.Id, s => edges.Where(e => e.From == s.Id).ToList(), StringComparer.Ordinal);
        var incoming = steps.ToDictionary(s => s.Id, s => edges.Count(e => e.To == s.Id), StringComparer.Ordinal);
        string[] At(string id) => ["input", "graph", "steps", index[id].ToString(System.Globalization.CultureInfo.InvariantCulture)];
        void Fail(string id, string message) => errors.Add(new UserError(ErrorCodes.InvalidValue, $"Step '{id}': {message}", At(id)));

        var starts = steps.Where(s => s.Kind == StepKinds.Start).ToList();
        if (starts.Count != 1)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A graph has exactly one start step (it has {starts.Count}).", "input", "graph", "steps"));
            return;
        }

        if (!steps.Any(s => s.Kind == StepKinds.End))
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, "A graph has at least one end step.", "input", "graph", "steps"));
            return;
        }

        foreach (var step in steps)
        {
            var outs = outgoing[step.Id];
            var labels = outs.Select(e => e.When).ToList();
            if (labels.Count != labels.Distinct().Count() && step.Kind != StepKinds.Split)
            {
                Fail(step.Id, "two of its edges have the same label.");
                continue;
            }

            var problem = step.Kind switch
            {
                StepKinds.Start when incoming[step.Id] > 0 => "no edge leads back to the start.",
                StepKinds.End when outs.Count > 0 => "an end step has no outgoing edge.",
                StepKinds.If when !Labels(labels, ["true", "false"]) => "an if step has one edge labelled 'true' and one labelled 'false'.",
                StepKinds.Loop when !Labels(labels, ["body", "done"]) => "a loop step has one edge labelled 'body' and one labelled 'done'.",
                StepKinds.Approval when !labels.Contains("approved") || !labels.Contains("rejected") || labels.Any(l => l is not ("approved" or "rejected" or "information" or "timeout"))
                    || labels.Contains("timeout") != step.Params.ContainsKey("timeout") =>
                    "an approval step has edges labelled 'approved' and 'rejected', may have one labelled 'information', and has one labelled 'timeout' exactly when it has a timeout.",
                StepKinds.Switch when !labels.Contains("default") || labels.Contains(null) => "a switch step's edges are labelled with the values they are taken for, and one 'default'.",
                StepKinds.Split when outs.Count < 2 || labels.Any(l => l is not null) => "a split step has two or more unlabelled edges.",
                StepKinds.Action or StepKinds.Script when labels.Count(l => l is null) != 1 || labels.Any(l => l is not (null or "error")) =>
                    "an action or script step has one unlabelled edge, and may have one labelled 'error'.",
                StepKinds.Wait when step.Params["notify"] is not null => labels.Count(l => l is null) != 1 || labels.Any(l => l is not (null or "error"))
                    ? "a webhook wait that notifies has one unlabelled edge, and may have one labelled 'error' (taken when the notice fails)."
                    : null,
                StepKinds.Join or StepKinds.Wait or StepKinds.SubProcess or StepKinds.Start when outs.Count != 1 || labels[0] is not null => "this step has exactly one unlabelled outgoing edge.",
                _ => null,
            };
            if (problem is not null)
            {
                Fail(step.Id, problem);
            }
        }

        if (errors.Count > before)
        {
            return;
        }

        // Reached from the start, and reaching an end: otherwise an instance would stop there for ever.
        var reached = Reach([starts[0].Id], id => outgoing[id].Select(e => e.To));
        foreach (var step in steps.Where(s => !reached.Contains(s.Id)))
        {
            Fail(step.Id, "it cannot be reached from the start.");
        }

        var reachesEnd = Reach(steps.Where(s => s.Kind == StepKinds.End).Select(s => s.Id), id => edges.Where(e => e.To == id).Select(e => e.From));
        foreach (var step in steps.Where(s => !reachesEnd.Contains(s.Id)))
        {
            Fail(step.Id, "no path leads from it to an end step.");
        }

        if (errors.Count > before)
        {
            return;
        }

        // Every cycle passes a loop step, whose cap bounds it: without the loop steps the graph has no cycle.
        var loops = steps.Where(s => s.Kind == StepKinds.Loop).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        if (Cycle(steps.Where(s => !loops.Contains(s.Id)).Select(s => s.Id), id => outgoing[id].Select(e => e.To).Where(t => !loops.Contains(t))) is { } onCycle)
        {
            Fail(onCycle, "it is on a cycle that passes no loop step (an unbounded loop).");
        }

        CheckJoins(steps, outgoing, incoming, Fail);
    }

    private static void CheckJoins(IReadOnlyList<ProcessStep> steps, Dictionary<string, List<ProcessEdge>> outgoing, Dictionary<string, int> incoming, Action<string, string> fail)
    {
        var joins = steps.Where(s => s.Kind == StepKinds.Join).ToList();
        foreach (var split in steps.Where(s => s.Kind == StepKinds.Split))
        {
            var matching = joins.Where(j => j.Params["split"]?.GetValue<string>() == split.Id).ToList();
            if (matching.Count != 1)
            {
                fail(split.Id, $"a split step has exactly one join step naming it ('split': \"{split.Id}\"); it has {matching.Count}.");
                continue;
            }

            var join = matching[0];
            if (incoming[join.Id] != outgoing[split.Id].Count)
            {
                fail(join.Id, $"a join step has as many incoming edges as its split '{split.Id}' has branches ({outgoing[split.Id].Count}).");
                continue;
            }

            // Each branch must arrive at the join: a branch that can end elsewhere would leave the join waiting for ever.
            var inside = Reach(outgoing[split.Id].Select(e => e.To), id => id == join.Id ? [] : outgoing[id].Select(e => e.To));
            if (inside.FirstOrDefault(id => id != join.Id && steps.First(s => s.Id == id).Kind == StepKinds.End) is { } escape)
            {
                fail(escape, $"it ends a branch of split '{split.Id}' before its join '{join.Id}'.");
            }
        }

        foreach (var join in joins.Where(j => j.Params["split"]?.GetValue<string>() is not { } split || steps.All(s => s.Id != split || s.Kind != StepKinds.Split)))
        {
            fail(join.Id, "a join step names its split step ('split').");
        }
    }

    private static bool Labels(List<string?> labels, string[] expected) => labels.Count == expected.Length && expected.All(l => labels.Contains(l));

    private static HashSet<string> Reach(IEnumerable<string> from, Func<string, IEnumerable<string>> next)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(from);
        while (queue.TryDequeue(out var id))
        {
            if (seen.Add(id))
            {
                foreach (var n in next(id))
                {
                    queue.Enqueue(n);
                }
            }
        }

        return seen;
    }

    /// <summary>A step on a cycle of the graph <paramref name="nodes"/>/<paramref name="next"/>, or null (iterative depth-first search: a deep graph does not overflow the stack).</summary>
    private static string? Cycle(IEnumerable<string> nodes, Func<string, IEnumerable<string>> next)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the path, 2: done
        foreach (var root in nodes)
        {
            if (state.ContainsKey(root))
            {
                continue;
            }

            var stack = new Stack<(string Id, IEnumerator<string> Next)>();
            state[root] = 1;
            stack.Push((root, next(root).GetEnumerator()));
            while (stack.Count > 0)
            {
                var (id, children) = stack.Peek();
                if (children.MoveNext())
                {
                    var child = children.Current;
                    if (state.TryGetValue(child, out var s))
                    {
                        if (s == 1)
                        {
                            return child;
                        }

                        continue;
                    }

                    state[child] = 1;
                    stack.Push((child, next(child).GetEnumerator()));
                }
                else
                {
                    state[id] = 2;
                    stack.Pop();
                }
            }
        }

        return null;
    }
}
