using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Processes;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;

namespace Crm.Modules.Automation.Definitions;

/// <summary>What a department or role reference names.</summary>
public enum DirectoryEntry
{
    Department,
    Role,
}

/// <summary>
/// The departments and roles a rule's or process's content names: every trigger or action parameter
/// of type <see cref="ParameterType.Department"/> or <see cref="ParameterType.Role"/> (by the kinds'
/// own declarations, so a plugin's kinds count too) and an approval step's <c>roles</c>. Read from the
/// stored JSON, so that one reading serves a save and the backfill of versions saved before.
/// </summary>
public sealed class DirectoryReferences
{
    private readonly SortedSet<(DirectoryEntry Entry, long Id)> _entries = [];

    public IReadOnlyCollection<(DirectoryEntry Entry, long Id)> Entries => _entries;

    /// <summary>As a version stores it (<c>|department:7|role:3|</c>), null for none: found again by <see cref="Token"/>.</summary>
    public string? Column => _entries.Count == 0 ? null : "|" + string.Join("|", _entries.Select(e => Name(e.Entry, e.Id))) + "|";

    /// <summary>What a version naming the entry holds in its column.</summary>
    public static string Token(DirectoryEntry entry, long id) => "|" + Name(entry, id) + "|";

    public static DirectoryReferences OfRule(AutomationCatalog catalog, RuleDefinition rule)
    {
        var found = new DirectoryReferences();
        found.AddParameters(catalog.FindTrigger(rule.Trigger.Kind), rule.Trigger.Params);
        foreach (var action in rule.Actions)
        {
            found.AddParameters(catalog.FindAction(action.Kind), action.Params);
        }

        return found;
    }

    public static DirectoryReferences OfProcess(AutomationCatalog catalog, ProcessDefinition process)
    {
        var found = new DirectoryReferences();
        foreach (var step in process.Steps)
        {
            if (step.Kind == StepKinds.Action && step.Params["kind"] is JsonValue kind && kind.TryGetValue<string>(out var name))
            {
                found.AddParameters(catalog.FindAction(name), step.Params["params"] as JsonObject);
            }
            else if (step.Kind == StepKinds.Approval && step.Params["roles"] is JsonArray roles)
            {
                foreach (var role in roles)
                {
                    found.Add(DirectoryEntry.Role, role);
                }
            }
        }

        return found;
    }

    /// <summary>A kind no longer loaded names nothing it could be held to.</summary>
    private void AddParameters(IAutomationKind? kind, JsonObject? parameters)
    {
        if (kind is null || parameters is null)
        {
            return;
        }

        foreach (var parameter in kind.Parameters)
        {
            if (parameter.Type is ParameterType.Department or ParameterType.Role)
            {
                Add(parameter.Type == ParameterType.Department ? DirectoryEntry.Department : DirectoryEntry.Role, parameters[parameter.Name]);
            }
        }
    }

    private void Add(DirectoryEntry entry, JsonNode? value)
    {
        // Stored as given and validated: a whole number in any JSON form (5, 5.0, a variable's double), or its digits as text.
        if (value is JsonValue given && given.GetValueKind() is JsonValueKind.Number or JsonValueKind.String
            && decimal.TryParse(given.ToJsonString().Trim('"'), NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number)
            && number == decimal.Truncate(number) && number is > 0 and <= long.MaxValue)
        {
            _entries.Add((entry, (long)number));
        }
    }

    private static string Name(DirectoryEntry entry, long id) =>
        string.Create(CultureInfo.InvariantCulture, $"{(entry == DirectoryEntry.Department ? "department" : "role")}:{id}");
}
