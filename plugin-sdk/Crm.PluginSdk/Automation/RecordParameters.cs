using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Automation;

/// <summary>
/// The parameters checked by a record type's own binder: field values and stages, on a blank record
/// within the rule's scope (a deal rule's pipeline), saving nothing.
/// </summary>
internal static class RecordParameters
{
    private static Dictionary<string, object?> Scoped(IReadOnlyDictionary<string, object?> input, IReadOnlyDictionary<string, object?> scope)
    {
        var scoped = new Dictionary<string, object?>(scope, StringComparer.Ordinal);
        foreach (var (name, value) in input)
        {
            scoped[name] = value;
        }

        return scoped;
    }

    public static async Task<IReadOnlyDictionary<string, object?>?> FieldValuesAsync(IServiceProvider services, AutomationParameter parameter, ICrmEntityDefinition type, IReadOnlyDictionary<string, object?> scope, JsonNode node,
        string[] at, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (node is not JsonObject values)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects an object of field values.", at));
            return null;
        }

        if (values.Count > parameter.ItemLimit)
        {
            errors.Add(new UserError(ErrorCodes.LimitExceeded, $"'{parameter.Name}' sets {values.Count} fields; the limit is {parameter.ItemLimit}.", at));
            return null;
        }

        var (fields, inputOnly) = type.WritableFields(services);
        var input = new Dictionary<string, object?>(StringComparer.Ordinal);
        var before = errors.Count;
        foreach (var (name, value) in values)
        {
            if (fields.TryGetValue(name, out var field))
            {
                if (FieldInput.Read(field, value, [.. at, name], errors, out var converted))
                {
                    input[name] = converted;
                }
            }
            else if (inputOnly.Contains(name))
            {
                input[name] = FieldInput.Plain(value);
            }
            else
            {
                errors.Add(new UserError(ErrorCodes.Validation, $"'{name}' is not a field of {type.Name} that can be written.", [.. at, name]));
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        // Checked on a record within the rule's scope (its pipeline); the scope's own values are not part of the input.
        var problems = await type.CheckInputAsync(services, Scoped(input, scope), cancellationToken);
        errors.AddRange(problems.Select(p => p with { Path = [.. at, .. p.Path.Skip(p.Path.Count > 0 && p.Path[0] == "input" ? 1 : 0)] }));
        return problems.Count == 0 ? input : null;
    }

    public static async Task<string?> StageAsync(IServiceProvider services, AutomationParameter parameter, ICrmEntityDefinition recordType, IReadOnlyDictionary<string, object?> scope, JsonNode node,
        string[] at, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (ParameterValidator.StageField(recordType) is not { } field)
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"A {recordType.Name} has no stage or status.", at));
            return null;
        }

        if (ParameterValidator.StringOf(node) is not { Length: > 0 and <= 100 } stage)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{parameter.Name}' expects the id of a stage or status.", at));
            return null;
        }

        // Checked as the record type's binder checks it, in the list of the rule's scope (a deal's pipeline).
        var input = new Dictionary<string, object?>(scope, StringComparer.Ordinal) { [field.Name] = stage };
        var problems = await recordType.CheckInputAsync(services, input, cancellationToken);
        errors.AddRange(problems.Select(p => p with { Path = at }));
        return problems.Count == 0 ? stage : null;
    }
}
