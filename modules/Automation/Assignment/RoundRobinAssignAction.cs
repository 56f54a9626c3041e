using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Assignment;

/// <summary>
/// <c>records.assignRoundRobin</c>: gives the run's record to the next user of a set, in turn: chosen
/// users (in the order given), or the active people of a department (with its subdepartments when
/// asked) or of a role (<see cref="IOrganization"/>, by id). The position is a durable counter per rule and
/// set, or per named queue that several rules share (<see cref="RoundRobinTurns"/>), taken in the
/// action's transaction. Disabled users are skipped; a set with no one active fails the step.
/// </summary>
public sealed partial class RoundRobinAssignAction(RoundRobinOptions options) : IAutomationActionKind
{
    public const string EmptySet = "EMPTY_USER_SET";

    public string Name => "records.assignRoundRobin";

    public string Description => "Gives the record to the next user of a set in turn (chosen users, a department's or a role's active people): its responsible person (assignedById, or responsibleId).";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("userIds", ParameterType.UserList, "The users to take turns, in order (give exactly one of userIds, departmentId, roleId).") { MaxItems = options.MaxUsers },
        new("departmentId", ParameterType.Department, "A department whose active people take turns, by id (kept from deletion while the rule names it)."),
        new("withSubdepartments", ParameterType.Boolean, "With departmentId: the people of the departments below it take turns too.") { Default = false },
        new("roleId", ParameterType.Role, "A role whose active holders (directly, through a department or a group) take turns, by id (kept from deletion while the rule names it)."),
        new("queue", ParameterType.String, "A queue's name (lower-case letters, digits, '-', '_'): rules naming the same queue share one turn counter. Without it, the rule keeps its own per set.") { MaxLength = 64 },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => ParameterValidator.ResponsibleField(recordType) is not null;

    public Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken)
    {
        var p = check.Parameters;
        if (new[] { p.Has("userIds"), p.Has("departmentId"), p.Has("roleId") }.Count(given => given) != 1)
        {
            errors.Add(new UserError(ErrorCodes.Validation, "Give exactly one of userIds, departmentId, roleId.", check.Path));
            return Task.CompletedTask;
        }

        if (p.GetOrDefault<bool>("withSubdepartments") && !p.Has("departmentId"))
        {
            errors.Add(new UserError(ErrorCodes.Validation, "'withSubdepartments' goes with departmentId.", [.. check.Path, "withSubdepartments"]));
        }

        if (p.GetOrDefault<string>("queue") is { } queue && !QueueName().IsMatch(queue))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'queue' is lower-case letters, digits, '-' and '_', starting with a letter or digit.", [.. check.Path, "queue"]));
        }

        if (p.Has("userIds") && p.Get<List<long>>("userIds").Count == 0)
        {
            errors.Add(new UserError(ErrorCodes.Validation, "'userIds' names no one.", [.. check.Path, "userIds"]));
        }

        // A department's or role's existence is the parameter type's to check (ParameterValidator).
        return Task.CompletedTask;
    }

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        if (context.Services.GetService<IOrganization>() is not { } sets)
        {
            return ActionOutcome.Failed(ErrorCodes.NotFound, "No module keeps users: there is no one to assign.");
        }

        var (users, described) = await MembersAsync(sets, context.Parameters, cancellationToken);
        if (users is null)
        {
            return ActionOutcome.Failed(ErrorCodes.NotFound, $"The {described} does not exist.");
        }

        if (users.Count > options.MaxUsers)
        {
            return ActionOutcome.Failed(ErrorCodes.LimitExceeded, $"The {described} has more than {options.MaxUsers.ToString(CultureInfo.InvariantCulture)} active people (Automation:RoundRobin:MaxUsers).");
        }

        if (users.Count == 0)
        {
            return ActionOutcome.Failed(EmptySet, $"No one is active in the {described}: the record was not assigned.");
        }

        var queue = QueueOf(context, described);
        var turn = await context.Services.GetRequiredService<RoundRobinTurns>().NextAsync(queue, cancellationToken);
        var userId = users[(int)((turn - 1) % users.Count)];
        var field = ParameterValidator.ResponsibleField(context.RecordType)!.Name;
        var payload = await context.RecordType.UpdateAsync(context.Services, context.Record.Id, new Dictionary<string, object?> { [field] = userId }, cancellationToken);
        return payload.Errors.Count > 0
            ? ActionOutcome.Refused(payload.Errors)
            : ActionOutcome.Success(
                new JsonObject { ["userId"] = userId, ["turn"] = turn, ["queue"] = queue, ["users"] = users.Count },
                new SideEffect(SideEffectKind.RecordUpdated, context.Record.EntityType, context.Record.Id, new JsonObject { ["fields"] = new JsonArray(field) }));
    }

    /// <summary>The set's active users in turn order; null when its department or role is gone. Read one past the bound, to tell a set that is too large.</summary>
    private async Task<(IReadOnlyList<long>? Users, string Described)> MembersAsync(IOrganization sets, AutomationParameters p, CancellationToken cancellationToken)
    {
        if (p.Has("departmentId"))
        {
            var id = p.Get<long>("departmentId");
            var below = p.GetOrDefault<bool>("withSubdepartments");
            return (await sets.DepartmentMembersAsync(id, below, options.MaxUsers + 1, cancellationToken),
                $"department {id.ToString(CultureInfo.InvariantCulture)}{(below ? " (with its subdepartments)" : "")}");
        }

        if (p.Has("roleId"))
        {
            var id = p.Get<long>("roleId");
            var described = $"role {id.ToString(CultureInfo.InvariantCulture)}";
            return (await sets.ExistingRolesAsync([id], cancellationToken)).Contains(id)
                ? (await sets.RoleHoldersAsync([id], options.MaxUsers + 1, cancellationToken), described)
                : (null, described);
        }

        var chosen = p.Get<List<long>>("userIds");
        var active = await sets.UsersAsync(chosen, cancellationToken);
        return (chosen.Where(id => active.GetValueOrDefault(id)).ToList(), "chosen users");
    }

    /// <summary>A named queue, else the rule's own for this set (so that editing the set starts a fresh rotation).</summary>
    private static string QueueOf(AutomationActionContext context, string described)
    {
        if (context.Parameters.GetOrDefault<string>("queue") is { } named)
        {
            return $"queue:{named}";
        }

        var set = context.Parameters.Has("userIds") ? "users:" + string.Join(',', context.Parameters.Get<List<long>>("userIds")) : described;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(set)))[..16];
        return $"rule:{context.Run.RuleId.ToString(CultureInfo.InvariantCulture)}:{hash}";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex QueueName();
}
