using System.Text.Json.Nodes;

namespace Crm.PluginSdk.Automation;

/// <summary>A record of a registered type, named by a <see cref="ParameterType.RecordReference"/> parameter or by a run.</summary>
/// <param name="EntityType">The type's registry name (<c>deal</c>).</param>
/// <param name="Id">The record's id.</param>
public readonly record struct AutomationRecord(string EntityType, long Id);

/// <summary>
/// A kind's parameters after <see cref="ParameterValidator"/> took them: each as the CLR value of
/// its type (<see cref="ParameterType.String"/>, <see cref="ParameterType.Text"/>,
/// <see cref="ParameterType.Url"/>, <see cref="ParameterType.EntityType"/> (the registry name),
/// <see cref="ParameterType.Field"/> and <see cref="ParameterType.Stage"/>: <see cref="string"/>;
/// <see cref="ParameterType.Integer"/>, <see cref="ParameterType.User"/>, <see cref="ParameterType.Department"/> and <see cref="ParameterType.Role"/>: <see cref="long"/>;
/// <see cref="ParameterType.Decimal"/>: <see cref="decimal"/>; <see cref="ParameterType.Boolean"/>: <see cref="bool"/>;
/// <see cref="ParameterType.DateTime"/>: <see cref="DateTimeOffset"/>; <see cref="ParameterType.Duration"/>: <see cref="TimeSpan"/>;
/// <see cref="ParameterType.RecordReference"/>: <see cref="AutomationRecord"/>;
/// <see cref="ParameterType.StringList"/>: a list of strings; <see cref="ParameterType.FieldValues"/>:
/// a create/update input for <see cref="Entities.ICrmEntityDefinition.CreateAsync"/> and <see cref="Entities.ICrmEntityDefinition.UpdateAsync(IServiceProvider, long, IReadOnlyDictionary{string, object}, CancellationToken)"/>),
/// defaults filled in, and the JSON they came from (for run logs).
/// </summary>
public sealed class AutomationParameters(IReadOnlyDictionary<string, object?> values, JsonObject json)
{
    /// <summary>No parameters.</summary>
    public static AutomationParameters Empty { get; } = new(new Dictionary<string, object?>(), []);

    /// <summary>The values by parameter name; a parameter left out without a default is absent.</summary>
    public IReadOnlyDictionary<string, object?> Values { get; } = values;

    /// <summary>The parameters as the rule gave them.</summary>
    public JsonObject Json { get; } = json;

    /// <summary>Whether the parameter has a value.</summary>
    public bool Has(string name) => Values.TryGetValue(name, out var value) && value is not null;

    /// <summary>The parameter's value; the type must be the one its <see cref="ParameterType"/> gives.</summary>
    public T Get<T>(string name) =>
        Values.TryGetValue(name, out var value) && value is T typed
            ? typed
            : throw new KeyNotFoundException($"The parameter '{name}' has no value of type {typeof(T).Name}.");

    /// <summary>The parameter's value, or <paramref name="fallback"/> when it has none.</summary>
    public T? GetOrDefault<T>(string name, T? fallback = default) =>
        Values.TryGetValue(name, out var value) && value is T typed ? typed : fallback;
}
