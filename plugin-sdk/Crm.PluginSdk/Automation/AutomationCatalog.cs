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
    private readonly IReadOnlyList<IAutomationTriggerKind> _allTriggers;
    private readonly IReadOnlyList<IAutomationActionKind> _allActions;
    private readonly Modules.IModuleAvailability? _availability;
    private InService? _inService;

    public AutomationCatalog(IEnumerable<IAutomationTriggerKind> triggers, IEnumerable<IAutomationActionKind> actions)
        : this(triggers, actions, null)
    {
    }

    /// <summary>With <paramref name="availability"/>, the kinds of modules out of service are left out while they are.</summary>
    public AutomationCatalog(IEnumerable<IAutomationTriggerKind> triggers, IEnumerable<IAutomationActionKind> actions, Modules.IModuleAvailability? availability)
    {
        var rejected = new List<string>();
        _allTriggers = Distinct(triggers, rejected);
        _allActions = Distinct(actions, rejected);
        Rejected = rejected;
        _availability = availability;
    }

    /// <summary>The kinds in service, for one version of the modules' states.</summary>
    private sealed record InService(long Version, IReadOnlyList<IAutomationTriggerKind> Triggers, IReadOnlyList<IAutomationActionKind> Actions);

    private InService Current()
    {
        if (_availability is null)
        {
            return _inService ??= new InService(0, _allTriggers, _allActions);
        }

        var version = _availability.Version;
        if (Volatile.Read(ref _inService) is { } current && current.Version == version)
        {
            return current;
        }

        var made = new InService(version,
            _allTriggers.Where(k => _availability.InService(k.GetType())).ToList(),
            _allActions.Where(k => _availability.InService(k.GetType())).ToList());
        Volatile.Write(ref _inService, made);
        return made;
    }

    public IReadOnlyList<IAutomationTriggerKind> Triggers => Current().Triggers;

    public IReadOnlyList<IAutomationActionKind> Actions => Current().Actions;

    /// <summary>Why kinds were left out, one line each.</summary>
    public IReadOnlyList<string> Rejected { get; }

    public IAutomationTriggerKind? FindTrigger(string name) => Triggers.FirstOrDefault(t => t.Name == name);

    public IAutomationActionKind? FindAction(string name) => Actions.FirstOrDefault(a => a.Name == name);

    /// <summary>Whether a kind's name is well formed: a lower-case namespace, a dot, a camelCase name; at most 100 characters.</summary>
    public static bool IsWellFormedName(string? name) => name is { Length: <= 100 } && NamePattern().IsMatch(name);

    private static List<T> Distinct<T>(IEnumerable<T> kinds, List<string> rejected)
        where T : IAutomationKind
    {
        var taken = new List<T>();
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
