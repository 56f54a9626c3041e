using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Processes;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Definitions;

/// <summary>
/// The departments, roles and selection list items a rule's or process's content names: every trigger
/// or action parameter of type <see cref="ParameterType.Department"/>, <see cref="ParameterType.Role"/> or
/// <see cref="ParameterType.Stage"/>, every list field's value in a <see cref="ParameterType.FieldValues"/>
/// parameter (a stage or source the action writes), by the kinds' own declarations (a plugin's kinds
/// count too), an approval step's <c>roles</c>, and the list items conditions compare list fields with
/// (<see cref="ConditionItems"/>: a rule's condition, a process's start condition, its <c>if</c> steps' and
/// condition waits'). Read from the stored JSON, so that one reading serves a save and the backfill of
/// versions saved before.
/// </summary>
public sealed class DirectoryReferences
{
    private readonly SortedSet<long> _departments = [];
    private readonly SortedSet<long> _roles = [];
    private readonly SortedSet<(string Family, string Item)> _items = [];

    public IReadOnlyCollection<long> Departments => _departments;

    public IReadOnlyCollection<long> Roles => _roles;

    /// <summary>List items by their list family (<c>DEAL_STAGE</c>, whose lists are a pipeline's each) and id, unique within it.</summary>
    public IReadOnlyCollection<(string Family, string Item)> Items => _items;

    /// <summary>As a version stores it (<c>|department:7|role:3|item:DEAL_STAGE:C3:WON|</c>), null for none: found again by the tokens.</summary>
    public string? Column
    {
        get
        {
            var tokens = _departments.Select(DepartmentToken).Concat(_roles.Select(RoleToken)).Concat(_items.Select(i => ItemToken(i.Family, i.Item))).ToList();
            return tokens.Count == 0 ? null : string.Concat(tokens.Select(t => t[..^1])) + "|";
        }
    }

    public static string DepartmentToken(long id) => string.Create(CultureInfo.InvariantCulture, $"|department:{id}|");

    public static string RoleToken(long id) => string.Create(CultureInfo.InvariantCulture, $"|role:{id}|");

    public static string ItemToken(string family, string item) => $"|item:{family}:{item}|";

    /// <param name="services">Where the kinds (<see cref="AutomationCatalog"/>) and record types are found.</param>
    /// <param name="recordType">The rule's record type; null when it is no longer loaded (its stages cannot be told then).</param>
    /// <param name="rule">The rule as stored.</param>
    public static DirectoryReferences OfRule(IServiceProvider services, ICrmEntityDefinition? recordType, RuleDefinition rule)
    {
        var catalog = services.GetRequiredService<AutomationCatalog>();
        var found = new DirectoryReferences();
        found.AddParameters(services, recordType, catalog.FindTrigger(rule.Trigger.Kind), rule.Trigger.Params);
        foreach (var action in rule.Actions)
        {
            found.AddParameters(services, recordType, catalog.FindAction(action.Kind), action.Params);
        }

        found.AddConditionItems(recordType, rule.Condition);
        return found;
    }

    /// <inheritdoc cref="OfRule" path="/param[@name='services']"/>
    public static DirectoryReferences OfProcess(IServiceProvider services, ICrmEntityDefinition? recordType, ProcessDefinition process)
    {
        var catalog = services.GetRequiredService<AutomationCatalog>();
        var found = new DirectoryReferences();
        found.AddConditionItems(recordType, process.StartCondition);
        foreach (var step in process.Steps)
        {
            if (step.Kind is StepKinds.If or StepKinds.Wait)
            {
                found.AddConditionItems(recordType, step.Params["condition"]);
            }

            if (step.Kind == StepKinds.Action && step.Params["kind"] is JsonValue kind && kind.TryGetValue<string>(out var name))
            {
                found.AddParameters(services, recordType, catalog.FindAction(name), step.Params["params"] as JsonObject);
            }
            else if (step.Kind == StepKinds.Approval && step.Params["roles"] is JsonArray roles)
            {
                foreach (var role in roles)
                {
                    AddId(found._roles, role);
                }
            }
        }

        return found;
    }

    /// <summary>A record type no longer loaded has no list fields to tell.</summary>
    private void AddConditionItems(ICrmEntityDefinition? recordType, JsonNode? condition)
    {
        if (recordType is not null)
        {
            foreach (var (family, item, _) in ConditionItems.Of(recordType, condition, []))
            {
                _items.Add((family, item));
            }
        }
    }

    /// <summary>A kind no longer loaded names nothing it could be held to.</summary>
    private void AddParameters(IServiceProvider services, ICrmEntityDefinition? recordType, IAutomationKind? kind, JsonObject? parameters)
    {
        if (kind is null || parameters is null)
        {
            return;
        }

        foreach (var parameter in kind.Parameters)
        {
            var value = parameters[parameter.Name];
            switch (parameter.Type)
            {
                case ParameterType.Department:
                    AddId(_departments, value);
                    break;
                case ParameterType.Role:
                    AddId(_roles, value);
                    break;
                case ParameterType.Stage when recordType is not null && ParameterValidator.StageField(recordType)?.ListFamily is { } family:
                    AddItems(family, value);
                    break;
                case ParameterType.FieldValues when value is JsonObject fields:
                    var target = parameter.RecordTypeFrom is { } from
                        ? parameters[from] is JsonValue named && named.TryGetValue<string>(out var typeName) ? ParameterValidator.EntityTypeOf(services, typeName) : null
                        : recordType;
                    foreach (var (field, given) in fields)
                    {
                        if (target?.Fields.GetValueOrDefault(field)?.ListFamily is { } listFamily)
                        {
                            AddItems(listFamily, given);
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>An item id, or each of a multi-value field's.</summary>
    private void AddItems(string family, JsonNode? value)
    {
        foreach (var node in value is JsonArray many ? many.ToArray() : [value])
        {
            if (node is JsonValue item && item.TryGetValue<string>(out var id) && id.Length > 0)
            {
                _items.Add((family, id));
            }
        }
    }

    /// <summary>Read as the parameter type took it when the content was saved (<see cref="ParameterValidator.TryReadId"/>).</summary>
    private static void AddId(SortedSet<long> into, JsonNode? value)
    {
        if (ParameterValidator.TryReadId(value, out var id))
        {
            into.Add(id);
        }
    }
}
