using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Automation;

/// <summary>What <see cref="IAutomationKind.CheckAsync"/> gets: the rule's record type and the parameters as validated.</summary>
/// <param name="Services">A scope of the one saving the rule.</param>
/// <param name="RecordType">The rule's record type.</param>
/// <param name="Parameters">The parameters, each valid on its own.</param>
/// <param name="Path">Where the parameters are in the rule (<c>actions, 2, params</c>); add the parameter's name.</param>
public sealed record ParameterCheck(IServiceProvider Services, ICrmEntityDefinition RecordType, AutomationParameters Parameters, IReadOnlyList<string> Path);

/// <summary>
/// Checks a kind's parameters against its schema when a rule is saved (and before each run):
/// every problem a <see cref="UserError"/> at its path (<c>actions, 2, params, fields, stageId</c>),
/// all reported at once. Field values are checked by the record type's own binder, custom fields
/// included. Limits: text 255 characters (<see cref="ParameterType.Text"/> 10,000, a URL 2,000)
/// unless the parameter says less or more, lists 100 items and field values 50 fields unless it says,
/// durations at most <see cref="MaxDuration"/>, a kind's parameters at most <see cref="MaxParameters"/>.
/// </summary>
public static class ParameterValidator
{
    public const int DefaultMaxStringLength = 255;
    public const int DefaultMaxTextLength = 10_000;
    public const int MaxUrlLength = 2_000;
    public const int DefaultMaxListItems = 100;
    public const int DefaultMaxFieldValues = 50;

    /// <summary>The most keys a kind's parameter object may hold (a rule's JSON is bounded before it is read).</summary>
    public const int MaxParameters = 50;

    /// <summary>The longest duration a parameter takes: a year and a day.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(366);

    /// <summary>
    /// The kind's parameters taken from <paramref name="parameters"/> (a JSON object, or null for none)
    /// for a rule on <paramref name="recordType"/>; null when <paramref name="errors"/> got any.
    /// </summary>
    /// <param name="services">A scope of the one saving the rule (or of the run).</param>
    /// <param name="kind">The trigger or action kind.</param>
    /// <param name="recordType">The rule's record type.</param>
    /// <param name="recordScope">
    /// The fields of the record type the rule is scoped to (a deal rule's <c>pipelineId</c>): stages and
    /// field values of the rule's type are checked as on a record with them (a pipeline's own stages); null for none.
    /// </param>
    /// <param name="parameters">The parameters as the rule stores them.</param>
    /// <param name="path">Where they are in the rule (<c>actions, 2, params</c>): every error's path starts with it.</param>
    /// <param name="errors">Where the problems go.</param>
    /// <param name="cancellationToken">Cancels the checks that read the database.</param>
    public static async Task<AutomationParameters?> ValidateAsync(IServiceProvider services, IAutomationKind kind, ICrmEntityDefinition recordType,
        IReadOnlyDictionary<string, object?>? recordScope, JsonNode? parameters, IReadOnlyList<string> path, List<UserError> errors, CancellationToken cancellationToken)
    {
        var before = errors.Count;
        if (!kind.AppliesTo(recordType))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{kind.Name}' does not apply to {recordType.Name} records.", path));
            return null;
        }

        if (parameters is not (null or JsonObject))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "The parameters are a JSON object.", path));
            return null;
        }

        var json = (JsonObject?)parameters ?? [];
        if (json.Count > MaxParameters)
        {
            errors.Add(new UserError(ErrorCodes.LimitExceeded, $"The parameters hold {json.Count} keys; the limit is {MaxParameters}.", path));
            return null;
        }

        var known = kind.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in json)
        {
            if (!known.Contains(name))
            {
                errors.Add(new UserError(ErrorCodes.Validation, $"'{name}' is not a parameter of {kind.Name}.", [.. path, name]));
            }
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var parameter in kind.Parameters)
        {
            var node = json.TryGetPropertyValue(parameter.Name, out var given) ? given : parameter.Default?.DeepClone();
            string[] at = [.. path, parameter.Name];
            if (node is null)
            {
                if (parameter.Required)
                {
                    errors.Add(new UserError(ErrorCodes.Required, $"'{parameter.Name}' is required.", at));
                }

                continue;
            }

            var value = await ReadAsync(services, parameter, recordType, recordScope ?? NoScope, node, values, at, errors, cancellationToken);
            if (value is not null)
            {
                values[parameter.Name] = value;
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        var result = new AutomationParameters(values, (JsonObject)json.DeepClone());
        await kind.CheckAsync(new ParameterCheck(services, recordType, result, path), errors, cancellationToken);

        return errors.Count > before ? null : result;
    }

    private static readonly Dictionary<string, object?> NoScope = [];

    private static async Task<object?> ReadAsync(IServiceProvider services, AutomationParameter parameter, ICrmEntityDefinition recordType, IReadOnlyDictionary<string, object?> scope, JsonNode node,
        Dictionary<string, object?> taken, string[] at, List<UserError> errors, CancellationToken cancellationToken)
    {
        UserError Wrong(string expected) => new(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects {expected}.", at);
        switch (parameter.Type)
        {
            case ParameterType.String or ParameterType.Text:
                return Text(parameter, node, at, errors);
            case ParameterType.Integer:
                if (!JsonNumbers.TryGetWhole(node, out var integer))
                {
                    errors.Add(Wrong("a whole number"));
                    return null;
                }

                return InRange(parameter, integer, at, errors) ? integer : null;
            case ParameterType.Decimal:
                if (!JsonNumbers.TryGetDecimal(node, out var number))
                {
                    errors.Add(Wrong("a number"));
                    return null;
                }

                return InRange(parameter, number, at, errors) ? number : null;
            case ParameterType.Boolean:
                if (node is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                {
                    return b.GetValue<bool>();
                }

                errors.Add(Wrong("true or false"));
                return null;
            case ParameterType.DateTime:
                if (StringOf(node) is { Length: <= 64 } timeText
                    && DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) && timeText.Contains('T', StringComparison.Ordinal))
                {
                    return time;
                }

                errors.Add(Wrong("an ISO 8601 date and time (2026-05-01T09:00:00Z)"));
                return null;
            case ParameterType.Duration:
                return Duration(parameter, node, at, errors);
            case ParameterType.EntityType:
                if (StringOf(node) is { Length: <= 100 } typeName && EntityTypeOf(services, typeName) is { } type)
                {
                    if (type.IsInService(services))
                    {
                        return type.Name;
                    }

                    // Still registered (its rows stay), but nothing of it may be made while its module is disabled.
                    errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{parameter.Name}' names the record type '{type.Name}', whose module is disabled.", at));
                    return null;
                }

                errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{parameter.Name}' names no registered record type.", at));
                return null;
            case ParameterType.Field:
                if (StringOf(node) is { Length: <= 100 } fieldName
                    && (recordType.Fields.ContainsKey(fieldName) || recordType.WritableFields(services).Fields.ContainsKey(fieldName)))
                {
                    return fieldName;
                }

                errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{parameter.Name}' names no field of {recordType.Name}.", at));
                return null;
            case ParameterType.FieldValues:
                var target = parameter.RecordTypeFrom is { } from
                    ? taken.GetValueOrDefault(from) is string named ? EntityTypeOf(services, named) : null
                    : recordType;
                if (target is null)
                {
                    // The type parameter was refused already, or left out: nothing to check against.
                    return null;
                }

                return await RecordParameters.FieldValuesAsync(services, parameter, target, target == recordType ? scope : NoScope, node, at, errors, cancellationToken);
            case ParameterType.User:
                if (!Entities.RecordIds.TryParse(IdText(node), out var userId))
                {
                    errors.Add(Wrong("a user id"));
                    return null;
                }

                if (services.GetService<IAccessRightsProvider>() is { } users && await users.RightsAsync(userId, cancellationToken) is null)
                {
                    errors.Add(new UserError(ErrorCodes.NotFound, $"User {userId.ToString(CultureInfo.InvariantCulture)} does not exist or is disabled.", at));
                    return null;
                }

                return userId;
            case ParameterType.Department or ParameterType.Role:
                return await DirectoryEntryAsync(services, parameter, node, at, errors, cancellationToken);
            case ParameterType.Stage:
                return await RecordParameters.StageAsync(services, parameter, recordType, scope, node, at, errors, cancellationToken);
            case ParameterType.RecordReference:
                if (node is JsonObject link && StringOf(link["entityType"]) is { Length: <= 100 } linkType && EntityTypeOf(services, linkType) is { } linked
                    && Entities.RecordIds.TryParse(IdText(link["id"]), out var linkId) && link.Count == 2)
                {
                    return new AutomationRecord(linked.Name, linkId);
                }

                errors.Add(Wrong("{ \"entityType\": a registered record type, \"id\": a record id }"));
                return null;
            case ParameterType.Url:
                var url = Text(parameter, node, at, errors);
                if (url is null)
                {
                    return null;
                }

                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
                {
                    errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects an absolute http or https address without credentials.", at));
                    return null;
                }

                return url;
            case ParameterType.StringList:
                return List(parameter, node, at, errors);
            case ParameterType.UserList:
                return await UsersAsync(services, parameter, node, at, errors, cancellationToken);
            default:
                throw new NotSupportedException($"Parameter type {parameter.Type} is not known.");
        }
    }

    /// <summary>A department's or role's id that exists now (<see cref="IOrganization"/>); without a module keeping them, none does.</summary>
    private static async Task<long?> DirectoryEntryAsync(IServiceProvider services, AutomationParameter parameter, JsonNode node, string[] at, List<UserError> errors, CancellationToken cancellationToken)
    {
        var what = parameter.Type == ParameterType.Department ? "department" : "role";
        if (!TryReadId(node, out var id))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects a {what} id.", at));
            return null;
        }

        var organization = services.GetService<IOrganization>();
        var exists = organization is not null && (parameter.Type == ParameterType.Department
            ? await organization.DepartmentExistsAsync(id, cancellationToken)
            : (await organization.ExistingRolesAsync([id], cancellationToken)).Contains(id));
        if (!exists)
        {
            errors.Add(new UserError(ErrorCodes.NotFound, $"{char.ToUpperInvariant(what[0])}{what[1..]} {id.ToString(CultureInfo.InvariantCulture)} does not exist.", at));
            return null;
        }

        return id;
    }

    /// <summary>
    /// An id as a <see cref="ParameterType.Department"/> or <see cref="ParameterType.Role"/> parameter takes it,
    /// and as whoever reads a stored rule for the ids it names must read it: a whole number however it
    /// arrives (5 or 5.0, inline or in a variable), or an id's digits as text.
    /// </summary>
    public static bool TryReadId(JsonNode? node, out long id) =>
        (JsonNumbers.TryGetWhole(node, out id) && id > 0) || Entities.RecordIds.TryParse(IdText(node), out id);

    /// <summary>The registered record type named by its registry name or its <c>CrmEntityType</c> name; null when none.</summary>
    public static ICrmEntityDefinition? EntityTypeOf(IServiceProvider services, string name)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        return registry.Find(name) as ICrmEntityDefinition
            ?? registry.Types.OfType<ICrmEntityDefinition>().FirstOrDefault(t => SchemaComposer.EntityTypeEnumName(t.Name) == name);
    }

    /// <summary>
    /// The field of a record type that holds its stage or status: <c>stageId</c>, else <c>statusId</c>,
    /// when it takes its values from a selection list; null when the type has none.
    /// </summary>
    public static EntityField? StageField(ICrmEntityDefinition recordType) =>
        new[] { "stageId", "statusId" }.Select(n => recordType.Fields.GetValueOrDefault(n)).FirstOrDefault(f => f is { ListOf: not null, Writable: true });

    /// <summary>
    /// The field of a record type that names its responsible user: <c>assignedById</c>, else
    /// <c>responsibleId</c>, when it references a user and may be written; null when the type has none.
    /// </summary>
    public static EntityField? ResponsibleField(ICrmEntityDefinition recordType) =>
        new[] { "assignedById", "responsibleId" }.Select(n => recordType.Fields.GetValueOrDefault(n)).FirstOrDefault(f => f is { UserField: not null, Writable: true });

    internal static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string? IdText(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? value.ToJsonString().Trim('"') : null;

    private static string? Text(AutomationParameter parameter, JsonNode node, string[] at, List<UserError> errors)
    {
        if (StringOf(node) is not { } text)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects text.", at));
            return null;
        }

        if (text.Length > parameter.TextLimit)
        {
            errors.Add(new UserError(ErrorCodes.TooLong, $"'{parameter.Name}' is {text.Length} characters long; the limit is {parameter.TextLimit}.", at));
            return null;
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(new UserError(ErrorCodes.Validation, NulFreeStringGraphType.Problem, at));
            return null;
        }

        if (parameter.AllowedValues is { } allowed && !allowed.Contains(text, StringComparer.Ordinal))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{parameter.Name}' is '{Shown(text)}'; use one of {string.Join(", ", allowed)}.", at));
            return null;
        }

        return text;
    }

    private static string Shown(string text) => text.Length <= 50 ? text : text[..50] + "...";

    private static bool InRange(AutomationParameter parameter, decimal value, string[] at, List<UserError> errors)
    {
        if ((parameter.Minimum is { } min && value < min) || (parameter.Maximum is { } max && value > max))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue,
                $"'{parameter.Name}' is {value.ToString(CultureInfo.InvariantCulture)}; it must be between {parameter.Minimum?.ToString(CultureInfo.InvariantCulture) ?? "any"} and {parameter.Maximum?.ToString(CultureInfo.InvariantCulture) ?? "any"}.", at));
            return false;
        }

        return true;
    }

    private static object? Duration(AutomationParameter parameter, JsonNode node, string[] at, List<UserError> errors)
    {
        TimeSpan duration;
        try
        {
            duration = StringOf(node) is { Length: > 0 and <= 64 } text ? System.Xml.XmlConvert.ToTimeSpan(text) : throw new FormatException();
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects an ISO 8601 duration (PT30M, P3D).", at));
            return null;
        }

        if (duration <= TimeSpan.Zero || duration > MaxDuration)
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{parameter.Name}' must be positive and at most {MaxDuration.TotalDays.ToString(CultureInfo.InvariantCulture)} days.", at));
            return null;
        }

        return duration;
    }

    private static List<string>? List(AutomationParameter parameter, JsonNode node, string[] at, List<UserError> errors)
    {
        if (node is not JsonArray array)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects a list of texts.", at));
            return null;
        }

        if (array.Count > parameter.ItemLimit)
        {
            errors.Add(new UserError(ErrorCodes.LimitExceeded, $"'{parameter.Name}' holds {array.Count} items; the limit is {parameter.ItemLimit}.", at));
            return null;
        }

        var before = errors.Count;
        var items = new List<string>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i] is null ? null : Text(parameter with { Name = $"{parameter.Name}[{i.ToString(CultureInfo.InvariantCulture)}]" }, array[i]!, [.. at, i.ToString(CultureInfo.InvariantCulture)], errors);
            if (item is not null)
            {
                items.Add(item);
            }
            else if (array[i] is null)
            {
                errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' holds a null item.", [.. at, i.ToString(CultureInfo.InvariantCulture)]));
            }
        }

        return errors.Count == before ? items : null;
    }

    private static async Task<List<long>?> UsersAsync(IServiceProvider services, AutomationParameter parameter, JsonNode node, string[] at, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (node is not JsonArray array)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects a list of user ids.", at));
            return null;
        }

        if (array.Count > parameter.ItemLimit)
        {
            errors.Add(new UserError(ErrorCodes.LimitExceeded, $"'{parameter.Name}' holds {array.Count} items; the limit is {parameter.ItemLimit}.", at));
            return null;
        }

        var before = errors.Count;
        var ids = new List<long>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            string[] itemAt = [.. at, i.ToString(CultureInfo.InvariantCulture)];
            if (!Entities.RecordIds.TryParse(IdText(array[i]), out var id))
            {
                errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' holds something that is not a user id.", itemAt));
            }
            else if (ids.Contains(id))
            {
                errors.Add(new UserError(ErrorCodes.Validation, $"'{parameter.Name}' names user {id.ToString(CultureInfo.InvariantCulture)} twice.", itemAt));
            }
            else
            {
                ids.Add(id);
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        // One read for the whole list; without a module that keeps users, ids are taken as given.
        if (services.GetService<IOrganization>() is { } users)
        {
            var existing = await users.UsersAsync(ids, cancellationToken);
            foreach (var missing in ids.Where(id => !existing.ContainsKey(id)))
            {
                errors.Add(new UserError(ErrorCodes.NotFound, $"User {missing.ToString(CultureInfo.InvariantCulture)} does not exist.", [.. at, ids.IndexOf(missing).ToString(CultureInfo.InvariantCulture)]));
            }
        }

        return errors.Count > before ? null : ids;
    }
}
