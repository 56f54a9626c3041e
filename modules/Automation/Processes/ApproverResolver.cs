using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// The assignees of an approval step when an instance reaches it: the users it names, everyone
/// holding its roles at that moment, and (with <c>departmentHead</c>) the heads of the departments of
/// the record's responsible person, through the SDK's <see cref="IOrganization"/>. At most
/// <see cref="ProcessLimits.MaxAssignees"/>: more (or none) fails the step, naming it, rather than
/// deciding with a cut list.
/// </summary>
internal static class ApproverResolver
{
    /// <summary>The record fields that name a record's responsible person, in the order looked for.</summary>
    private static readonly string[] ResponsibleFields = ["assignedById", "responsibleId"];

    public static bool NeedsRecord(ProcessStep step) => step.Kind == StepKinds.Approval && step.Params["departmentHead"]?.GetValueKind() == JsonValueKind.True;

    /// <summary>The distinct assignees, lowest ids first; or why there are none to ask.</summary>
    public static async Task<(IReadOnlyList<long> Users, string? Problem)> ResolveAsync(IServiceProvider services, ProcessStep step, JsonObject? record, CancellationToken cancellationToken)
    {
        var found = new SortedSet<long>(Ids(step.Params["assignees"]));
        var roles = Ids(step.Params["roles"]).ToList();
        var organization = services.GetService<IOrganization>();
        if ((roles.Count > 0 || NeedsRecord(step)) && organization is null)
        {
            return ([], $"APPROVERS: step '{step.Id}' names roles or a department head, and no module resolves them.");
        }

        if (roles.Count > 0)
        {
            // One more than the limit tells "too many" from "exactly the limit".
            found.UnionWith(await organization!.RoleHoldersAsync(roles, ProcessLimits.MaxAssignees + 1, cancellationToken));
        }

        if (NeedsRecord(step) && Responsible(record) is { } responsible)
        {
            found.UnionWith(await organization!.DepartmentHeadsAsync(responsible, cancellationToken));
        }

        return found.Count switch
        {
            0 => ([], $"NO_APPROVERS: step '{step.Id}' has no one to ask (no active user holds its roles, and the responsible's department has no head)."),
            > ProcessLimits.MaxAssignees => ([], $"APPROVERS_LIMIT: step '{step.Id}' would ask more than {ProcessLimits.MaxAssignees.ToString(CultureInfo.InvariantCulture)} people."),
            _ => ([.. found], null),
        };
    }

    private static IEnumerable<long> Ids(JsonNode? list) => list is JsonArray array ? array.Select(id => id!.GetValue<long>()) : [];

    private static long? Responsible(JsonObject? record) =>
        ResponsibleFields.Select(f => record?[f]).FirstOrDefault(v => v is not null) is JsonValue value
            ? value.TryGetValue<long>(out var id) ? id : long.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out id) ? id : null
            : null;
}
