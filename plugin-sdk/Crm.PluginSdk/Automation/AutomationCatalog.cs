using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Automation;

/// <summary>
/// Every trigger and action kind of the platform and its modules, by name: the SDK's own (records
/// of every type, schedules, manual and webhook starts) first, then each module's in the order the
/// host loads them. A kind whose name is malformed, or taken by a kind listed before it, is left
/// out (<see cref="Rejected"/> says why). The kinds of a module out of service (disabled at run
/// time) are left out while it is: rule editors and saves do not see them, and a run whose action
/// kind is gone fails saying so.
/// </summary>
public sealed partial class AutomationCatalog
{
    private readonly Modules.IModuleAvailability? _availability;
    private readonly Lock _adding = new();
    private All _all;
    private InService? _inService;

    public AutomationCatalog(IEnumerable<IAutomationTriggerKind> triggers, IEnumerable<IAutomationActionKind> actions)
        : this(triggers, actions, null)
    {
    }

    /// <summary>With <paramref name="availability"/>, the kinds of modules out of service are left out while they are.</summary>
    public AutomationCatalog(IEnumerable<IAutomationTriggerKind> triggers, IEnumerable<IAutomationActionKind> actions, Modules.IModuleAvailability? availability)
    {
        var rejected = new List<string>();
        _all = new All(Distinct([], triggers, rejected), Distinct([], actions, rejected), rejected);
        _availability = availability;
    }

    /// <summary>Every kind known (in service or not), and why kinds were left out: one snapshot, swapped whole when a plugin adds its kinds.</summary>
    private sealed record All(IReadOnlyList<IAutomationTriggerKind> Triggers, IReadOnlyList<IAutomationActionKind> Actions, IReadOnlyList<string> Rejected);

    /// <summary>The kinds in service, for one version of the modules' states and one snapshot of the kinds.</summary>
    private sealed record InService(long Version, All Of, IReadOnlyList<IAutomationTriggerKind> Triggers, IReadOnlyList<IAutomationActionKind> Actions);

    private InService Current()
    {
        var all = Volatile.Read(ref _all);
        var version = _availability?.Version ?? 0;
        if (Volatile.Read(ref _inService) is { } current && current.Version == version && ReferenceEquals(current.Of, all))
        {
            return current;
        }

        var made = _availability is null
            ? new InService(version, all, all.Triggers, all.Actions)
            : new InService(version, all,
                all.Triggers.Where(k => _availability.InService(k.GetType())).ToList(),
                all.Actions.Where(k => _availability.InService(k.GetType())).ToList());
        Volatile.Write(ref _inService, made);
        return made;
    }

    /// <summary>
    /// Adds the kinds of a plugin loaded at run time, after every kind known (a name taken by one of
    /// them is left out, as at start): a new snapshot, so that a reader never sees a list change.
    /// Returns why kinds were left out, one line each. The host calls it, callers take turns.
    /// </summary>
    internal IReadOnlyList<string> Add(IEnumerable<IAutomationTriggerKind> triggers, IEnumerable<IAutomationActionKind> actions)
    {
        lock (_adding)
        {
            var before = _all;
            var rejected = new List<string>();
            var after = new All(Distinct(before.Triggers, triggers, rejected), Distinct(before.Actions, actions, rejected), [.. before.Rejected, .. rejected]);
            Volatile.Write(ref _all, after);
            return rejected;
        }
    }

    public IReadOnlyList<IAutomationTriggerKind> Triggers => Current().Triggers;

    public IReadOnlyList<IAutomationActionKind> Actions => Current().Actions;

    /// <summary>Why kinds were left out, one line each.</summary>
    public IReadOnlyList<string> Rejected => Volatile.Read(ref _all).Rejected;

    public IAutomationTriggerKind? FindTrigger(string name) => Triggers.FirstOrDefault(t => t.Name == name);

    public IAutomationActionKind? FindAction(string name) => Actions.FirstOrDefault(a => a.Name == name);

    /// <summary>Whether a kind's name is well formed: a lower-case namespace, a dot, a camelCase name; at most 100 characters.</summary>
    public static bool IsWellFormedName(string? name) => name is { Length: <= 100 } && NamePattern().IsMatch(name);

    private static List<T> Distinct<T>(IReadOnlyList<T> known, IEnumerable<T> kinds, List<string> rejected)
        where T : IAutomationKind
    {
        var taken = new List<T>(known);
        foreach (var kind in kinds)
        {
            if (!IsWellFormedName(kind.Name))
            {
                rejected.Add($"{kind.GetType().FullName}: '{kind.Name}' is not a namespaced name (records.setFields).");
            }
            else if (taken.Any(k => k.Name == kind.Name))
            {
                rejected.Add($"{kind.GetType().FullName}: '{kind.Name}' is taken by {taken.First(k => k.Name == kind.Name).GetType().FullName}.");
            }
            else
            {
                taken.Add(kind);
            }
        }

        return taken;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z][a-zA-Z0-9]*)+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}

/// <summary>Registers the SDK's own automation kinds and the catalog (the host does it once, before the modules' kinds).</summary>
public static class AutomationServices
{
    public static IServiceCollection AddAutomationCatalog(this IServiceCollection services)
    {
        // The host calls this before it registers the modules' kinds, so that the platform's names win.
        foreach (var trigger in (IAutomationTriggerKind[])[
            new CreatedTrigger(), new UpdatedTrigger(), new DeletedTrigger(), new StageChangedTrigger(),
            new CronTrigger(), new DateFieldTrigger(), new ManualTrigger(), new WebhookTrigger()])
        {
            services.AddSingleton(trigger);
        }

        foreach (var action in (IAutomationActionKind[])[new SetFieldsAction(), new ChangeStageAction(), new AssignAction(), new CreateRecordAction()])
        {
            services.AddSingleton(action);
        }

        services.AddSingleton<AutomationCatalog>();
        return services;
    }
}
