using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.PluginSdk.CustomFields;

/// <summary>
/// A record's custom field values: one JSON document (<c>jsonb</c> on PostgreSQL, text on
/// SQLite) keyed by field code. Values are kept as validated JSON; the SDK reads them typed.
/// A field without a value has no key, so a deleted field leaves nothing behind.
/// </summary>
public sealed class CustomFieldValues
{
    private readonly SortedDictionary<string, JsonNode> _values;

    public CustomFieldValues() => _values = new(StringComparer.Ordinal);

    private CustomFieldValues(SortedDictionary<string, JsonNode> values) => _values = values;

    public IEnumerable<string> Codes => _values.Keys;

    public int Count => _values.Count;

    /// <summary>The stored value of a field, or null.</summary>
    public JsonNode? this[string code] => _values.GetValueOrDefault(code);

    /// <summary>Sets a value; null (or an empty list) removes it.</summary>
    public void Set(string code, JsonNode? value)
    {
        if (value is null || value is JsonArray { Count: 0 })
        {
            _values.Remove(code);
        }
        else
        {
            _values[code] = value.Parent is null ? value : value.DeepClone();
        }
    }

    public bool Remove(string code) => _values.Remove(code);

    public string ToJson()
    {
        var json = new JsonObject();
        foreach (var (code, value) in _values)
        {
            json[code] = value.DeepClone();
        }

        return json.ToJsonString();
    }

    public static CustomFieldValues Parse(string? json)
    {
        var values = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(json) && JsonNode.Parse(json) is JsonObject document)
        {
            foreach (var (code, value) in document)
            {
                if (value is not null)
                {
                    values[code] = value.DeepClone();
                }
            }
        }

        return new CustomFieldValues(values);
    }

    public CustomFieldValues Clone() => Parse(ToJson());

    public override string ToString() => ToJson();

    /// <summary>The codes whose values differ between two documents.</summary>
    public static IEnumerable<string> ChangedCodes(CustomFieldValues? before, CustomFieldValues? after)
    {
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        codes.UnionWith(before?.Codes ?? []);
        codes.UnionWith(after?.Codes ?? []);
        return codes.Where(code => !JsonNode.DeepEquals(before?[code], after?[code]));
    }

    internal static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);
}

/// <summary>A record type that takes custom fields: the column the values live in.</summary>
public interface ICustomizableRecord : Records.ICrmRecord
{
    CustomFieldValues CustomFields { get; set; }
}
