using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Types;

namespace Crm.Host.Live;

/// <summary>
/// How a subscription's events may be shared with other subscriptions, set by the WebSocket
/// connection in the subscription's scope: subscriptions with the same <see cref="AcrossUsersKey"/>
/// get the same bytes for an event whose execution read nothing of who the subscriber is
/// (<see cref="Crm.PluginSdk.Live.IdentityReads"/>); else those with the same <see cref="Key"/> do.
/// Either way executed and serialised once per key (see <see cref="LiveExecutionStrategy"/>).
/// </summary>
public sealed class LiveSharing
{
    /// <summary>
    /// What decides an event's result when the execution does not read the subscriber's identity:
    /// the schema, the document, the operation, the variables and extensions, the actor's kind and
    /// channel and the rights by value (levels, administrator, settings right), without the user,
    /// their departments or their credential. Null: not shared across users.
    /// </summary>
    public string? AcrossUsersKey { get; set; }

    /// <summary>The key shared across users of a subscription (see <see cref="AcrossUsersKey"/>).</summary>
    public static string AcrossUsersKeyOf(ISchema schema, string query, string? operationName, string variablesAndExtensions, CurrentActor actor)
    {
        var text = new StringBuilder()
            .Append(SchemaIds.GetValue(schema, _ => Interlocked.Increment(ref _schemas).ToString(CultureInfo.InvariantCulture))).Append('\0')
            .Append(query).Append('\0').Append(operationName).Append('\0').Append(variablesAndExtensions).Append('\0')
            .Append(actor.Origin.Kind).Append('\0').Append(actor.Origin.Via).Append('\0');
        AppendLevels(text, actor.Rights);
        return "users:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The rights by value without the identity: subscribers with the same see the same items when the check reads no identity.</summary>
    public static string RightsKeyAcrossUsers(AccessRights rights)
    {
        var text = new StringBuilder("users:");
        AppendLevels(text, rights);
        return text.ToString();
    }

    /// <summary>
    /// What decides an event's result besides the event: the schema, the document, the operation,
    /// the variables and extensions, the credential and the rights the subscription runs with.
    /// Null: the subscription executes each event on its own.
    /// </summary>
    public string? Key { get; set; }

    private static readonly ConditionalWeakTable<ISchema, string> SchemaIds = [];
    private static long _schemas;

    /// <summary>
    /// The key of a subscription: a digest of everything its events' results depend on besides the
    /// event. The rights are those the subscription's fields run with (signed in at subscribe), by
    /// value, so two subscriptions share only when their rights are the same.
    /// </summary>
    public static string KeyOf(ISchema schema, string query, string? operationName, string variablesAndExtensions, string authorization, CurrentActor actor)
    {
        var text = new StringBuilder()
            .Append(SchemaIds.GetValue(schema, _ => Interlocked.Increment(ref _schemas).ToString(CultureInfo.InvariantCulture))).Append('\0')
            .Append(query).Append('\0').Append(operationName).Append('\0').Append(variablesAndExtensions).Append('\0')
            .Append(authorization).Append('\0').Append(actor.UserId).Append('\0').Append(actor.Origin.Kind).Append('\0');
        AppendRights(text, actor.Rights);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The actor's user and rights by value: subscribers with the same see the same items.</summary>
    public static string RightsKey(CurrentActor actor)
    {
        var text = new StringBuilder().Append(actor.UserId).Append('\0');
        AppendRights(text, actor.Rights);
        return text.ToString();
    }

    private static void AppendRights(StringBuilder text, AccessRights rights)
    {
        text.Append(rights.UserId);
        if (AppendLevels(text, rights))
        {
            text.Append("|department:").AppendJoin(',', rights.DepartmentUserIds.Order());
            text.Append("|subdepartments:").AppendJoin(',', rights.SubdepartmentUserIds.Order());
        }
    }

    /// <summary>The levels, administrator flag and settings right; false for an administrator (nothing else matters).</summary>
    private static bool AppendLevels(StringBuilder text, AccessRights rights)
    {
        text.Append(rights.IsAdministrator ? "|admin" : "|").Append(rights.CanConfigure ? "|configure" : "|");
        if (rights.IsAdministrator)
        {
            return false;
        }

        foreach (var (entityType, partition, action, level) in rights.Granted.OrderBy(g => g.EntityType, StringComparer.Ordinal)
                     .ThenBy(g => g.Partition, StringComparer.Ordinal).ThenBy(g => g.Action.Name, StringComparer.Ordinal))
        {
            text.Append('|').Append(entityType).Append('/').Append(partition).Append('/').Append(action.Name).Append('=').Append((int)level);
        }

        return true;
    }

    /// <summary>The <c>payload</c> of a <c>next</c> message for a result, as the transport sends it (its size limit applied).</summary>
    public Func<ExecutionResult, string>? Payload { get; set; }
}

/// <summary>A result already serialised for the transport (<see cref="LiveSharing.Payload"/>), shared by the subscriptions of one key.</summary>
public sealed class SerializedExecutionResult(string payload) : ExecutionResult
{
    public string Payload { get; } = payload;
}
