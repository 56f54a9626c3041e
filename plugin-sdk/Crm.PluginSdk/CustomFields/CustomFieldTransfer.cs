using System.Text.Json.Nodes;

namespace Crm.PluginSdk.CustomFields;

/// <summary>
/// Carries custom field values from one record to a new record of another type (a lead into
/// its contact, company and deal): each value goes to the target's field with the same code
/// and a type that holds it; enumeration items are matched by their text.
/// </summary>
public static class CustomFieldTransfer
{
    public static void AddValues(CustomFieldSnapshot snapshot, string fromType, ICustomizableRecord from, string toType, IDictionary<string, object?> input)
    {
        var targets = snapshot.For(toType).ToDictionary(f => f.Code, StringComparer.Ordinal);
        foreach (var source in snapshot.For(fromType))
        {
            if (from.CustomFields[source.Code] is not { } stored
                || !targets.TryGetValue(source.Code, out var target)
                || input.ContainsKey(target.FieldName)
                || !CustomFieldSpec.IsSafeWidening(source.Type, target.Type)
                || (source.Multiple && !target.Multiple))
            {
                continue;
            }

            if (source.Type == CustomFieldType.Enumeration)
            {
                var values = (stored is JsonArray array ? array.ToList() : [stored])
                    .Select(n => source.Items.FirstOrDefault(i => i.Id == n?.GetValue<long>())?.Value)
                    .Select(text => target.Items.FirstOrDefault(i => string.Equals(i.Value, text, StringComparison.OrdinalIgnoreCase))?.Id)
                    .Where(id => id is not null)
                    .Select(id => (object?)id!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .ToList();
                if (values.Count > 0)
                {
                    input[target.FieldName] = target.Multiple ? values : values[0];
                }

                continue;
            }

            input[target.FieldName] = CustomFieldBinder.ToInput(source, stored);
        }
    }
}
