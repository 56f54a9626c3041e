using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Views;

namespace Crm.Modules.Views.Domain;

/// <summary>
/// A stored view read against a record type's fields as they are now. What names a field that no
/// longer exists (a deleted custom field) is left out, each with a warning: a condition of the filter
/// (an alternative of an <c>or</c> left without conditions goes with it rather than matching
/// everything), a sort key, a column. Former names of renamed built-in fields stay valid; the list
/// reads them as the current ones.
/// </summary>
internal sealed class ViewFields(IReadOnlyDictionary<string, EntityField> fields)
{
    private readonly Dictionary<string, string> _formerNames =
        fields.Values.Where(f => f.FormerName is not null).ToDictionary(f => f.FormerName!, f => f.Name, StringComparer.Ordinal);

    public static ViewFields Of(ICrmEntityDefinition definition, IServiceProvider services) =>
        new(definition.FieldsFor(CustomFieldScope.Of(services)));

    /// <summary>The field's current name, or null when no field is (or was, under a former name) called so.</summary>
    public EntityField? Find(string name) =>
        fields.GetValueOrDefault(name) ?? (_formerNames.TryGetValue(name, out var current) ? fields.GetValueOrDefault(current) : null);

    public ResolvedView Resolve(SavedView view)
    {
        var warnings = new List<string>();
        var where = view.Filter is null ? null : Prune(FilterJson.ToWhere(JsonNode.Parse(view.Filter) as JsonObject)!, warnings, out _);
        var order = new List<IReadOnlyDictionary<string, object?>>();
        foreach (var key in ReadOrder(view.Order))
        {
            if (Find(key.Field) is { } field)
            {
                order.Add(new Dictionary<string, object?> { [field.Name] = key.Direction });
            }
            else
            {
                warnings.Add($"The view's order by '{key.Field}' is left out: the type has no such field any more.");
            }
        }

        var columns = new List<ViewColumn>();
        foreach (var column in ReadColumns(view.Columns))
        {
            if (Find(column.Field) is { } field)
            {
                columns.Add(column with { Field = field.Name });
            }
            else
            {
                warnings.Add($"The view's column '{column.Field}' is left out: the type has no such field any more.");
            }
        }

        return new ResolvedView(view.Id, view.EntityType, view.Name, where is { Count: > 0 } ? where : null, order.Count > 0 ? order : null, columns, view.PageSize, warnings);
    }

    private Dictionary<string, object?> Prune(IReadOnlyDictionary<string, object?> where, List<string> warnings, out bool dropped)
    {
        dropped = false;
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in where)
        {
            if (name is "and" or "or" && value is IEnumerable<object?> items)
            {
                var kept = new List<object?>();
                var droppedHere = false;
                foreach (var item in items)
                {
                    if (item is not IReadOnlyDictionary<string, object?> inner)
                    {
                        kept.Add(item);
                        continue;
                    }

                    var pruned = Prune(inner, warnings, out var droppedInner);
                    droppedHere |= droppedInner;
                    if (!(droppedInner && pruned.Count == 0))
                    {
                        kept.Add(pruned);
                    }
                }

                dropped |= droppedHere;
                if (!(droppedHere && kept.Count == 0))
                {
                    result[name] = kept;
                }
            }
            else if (Find(name) is not null)
            {
                result[name] = value;
            }
            else
            {
                dropped = true;
                warnings.Add($"The view's condition on '{name}' is left out: the type has no such field any more.");
            }
        }

        return result;
    }

    public static IReadOnlyList<(string Field, SortDirection Direction)> ReadOrder(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<StoredOrder>>(json, Json)!.Select(o => (o.Field, o.Direction)).ToList();

    public static IReadOnlyList<ViewColumn> ReadColumns(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<ViewColumn>>(json, Json)!;

    public static string? WriteOrder(IReadOnlyList<(string Field, SortDirection Direction)> order) =>
        order.Count == 0 ? null : JsonSerializer.Serialize(order.Select(o => new StoredOrder(o.Field, o.Direction)), Json);

    public static string? WriteColumns(IReadOnlyList<ViewColumn> columns) =>
        columns.Count == 0 ? null : JsonSerializer.Serialize(columns, Json);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private sealed record StoredOrder(string Field, SortDirection Direction);
}
