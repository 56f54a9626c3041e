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
/// connection in the subscription's scope: subscriptions with the same <see cref="Key"/> get the
/// same bytes for the same event, executed and serialised once (see <see cref="LiveExecutionStrategy"/>).
/// </summary>
public sealed class LiveSharing
{
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
        text.Append(rights.UserId).Append(rights.IsAdministrator ? "|admin" : "|").Append(rights.CanConfigure ? "|configure" : "|");
        if (rights.IsAdministrator)
        {
            return;
        }

        foreach (var (entityType, partition, action, level) in rights.Granted.OrderBy(g => g.EntityType, StringComparer.Ordinal)
                     .ThenBy(g => g.Partition, StringComparer.Ordinal).ThenBy(g => g.Action.Name, StringComparer.Ordinal))
        {
            text.Append('|').Append(entityType).Append('/').Append(partition).Append('/').Append(action.Name).Append('=').Append((int)level);
        }

        text.Append("|department:").AppendJoin(',', rights.DepartmentUserIds.Order());
        text.Append("|subdepartments:").AppendJoin(',', rights.SubdepartmentUserIds.Order());
    }

    /// <summary>The <c>payload</c> of a <c>next</c> message for a result, as the transport sends it (its size limit applied).</summary>
    public Func<ExecutionResult, string>? Payload { get; set; }
}

/// <summary>A result already serialised for the transport (<see cref="LiveSharing.Payload"/>), shared by the subscriptions of one key.</summary>
public sealed class SerializedExecutionResult(string payload) : ExecutionResult
{
    public string Payload { get; } = payload;
}
