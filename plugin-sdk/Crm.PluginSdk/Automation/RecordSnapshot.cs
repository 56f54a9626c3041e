using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;

namespace Crm.PluginSdk.Automation;

/// <summary>
/// A record as plain JSON, named and written as its published events write field values (each
/// built-in field by its GraphQL name, custom fields by theirs, <c>ufCrmBudget</c>; enums by their
/// GraphQL names): what a rule's condition tests and what a script sees as <c>record</c>, so that
/// a value compares alike in the record and in an event's changes.
/// </summary>
public static class RecordSnapshot
{
    public static JsonObject Of(ICrmEntityType type, object record)
    {
        var snapshot = new JsonObject();
        foreach (var field in type.Fields.Values.Where(f => f.Custom is null))
        {
            var value = field.Get(record);
            snapshot[field.Name] = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), EventJson.Options);
        }

        if (record is ICustomizableRecord customizable)
        {
            foreach (var code in customizable.CustomFields.Codes)
            {
                snapshot[CustomFieldSpec.GraphName(code)] = customizable.CustomFields[code]?.DeepClone();
            }
        }

        return snapshot;
    }
}
