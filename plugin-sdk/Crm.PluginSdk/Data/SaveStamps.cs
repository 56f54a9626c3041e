using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Crm.PluginSdk.Data;

/// <summary>
/// What a save stamps on the records it writes before they go: the audit columns (who and when)
/// and the text <c>search</c> finds a record by.
/// </summary>
internal static class SaveStamps
{
    public static void Apply(ChangeTracker tracker, ModuleDbContextDependencies dependencies, DateTime now)
    {
        foreach (var entry in tracker.Entries<ISearchableRecord>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                var content = SearchContent(entry.Entity, dependencies.CustomFields);
                var property = entry.Property(SearchText.Column);
                if (!Equals(property.CurrentValue, content))
                {
                    property.CurrentValue = content;
                }
            }
        }

        var userId = dependencies.Actor.UserId;
        foreach (var entry in tracker.Entries<IAuditedRecord>())
        {
            // Through the entry, not the record: changes are not detected again before the save.
            if (entry.State == EntityState.Added)
            {
                entry.Property(nameof(IAuditedRecord.CreatedAt)).CurrentValue = now;
                entry.Property(nameof(IAuditedRecord.CreatedById)).CurrentValue = userId;
                entry.Property(nameof(IAuditedRecord.UpdatedAt)).CurrentValue = now;
                entry.Property(nameof(IAuditedRecord.UpdatedById)).CurrentValue = userId;
            }
            else if (entry.State == EntityState.Modified)
            {
                entry.Property(nameof(IAuditedRecord.UpdatedAt)).CurrentValue = now;
                entry.Property(nameof(IAuditedRecord.UpdatedById)).CurrentValue = userId;
            }
        }
    }

    /// <summary>
    /// What <c>search</c> finds a record by: its own names, e-mails and phones, and the values of
    /// its custom text, e-mail, web and phone fields.
    /// </summary>
    public static string SearchContent(ISearchableRecord record, CustomFields.CustomFieldScope? customFields)
    {
        if (record is not CustomFields.ICustomizableRecord { CustomFields.Count: > 0 } customizable
            || customFields is null
            || SaveEvents.RecordTypeName(record.GetType()) is not { } entityType)
        {
            return SearchText.Build(record);
        }

        List<string?> texts = [.. record.SearchTexts];
        List<string> handles = [.. record.SearchHandles];
        List<string> phones = [.. record.SearchPhones];
        foreach (var spec in customFields.Snapshot.For(entityType))
        {
            var values = customizable.CustomFields[spec.Code] switch
            {
                null => [],
                JsonArray list => list.Select(v => v?.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null),
                var one => [one.GetValueKind() == JsonValueKind.String ? one.GetValue<string>() : null],
            };
            foreach (var value in values.OfType<string>())
            {
                switch (spec.Type)
                {
                    case CustomFields.CustomFieldType.String:
                    case CustomFields.CustomFieldType.Text:
                        texts.Add(value.Length > 200 ? value[..200] : value);
                        break;
                    case CustomFields.CustomFieldType.Email:
                    case CustomFields.CustomFieldType.Url:
                        handles.Add(value);
                        break;
                    case CustomFields.CustomFieldType.Phone:
                        phones.Add(value);
                        break;
                }
            }
        }

        return SearchText.Build(texts, handles, phones);
    }
}
