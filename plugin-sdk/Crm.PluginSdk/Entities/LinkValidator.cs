using System.Globalization;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>What a write links to must exist: other records, active users, items of selection lists.</summary>
internal static class LinkValidator<TRecord>
    where TRecord : class, ICrmRecord
{
    /// <summary>
    /// Ids of other records must name records that exist, and list values items of their list:
    /// checked for the fields a write sets, one query per referenced type or list. The records
    /// linked to are held (<see cref="RowLock.KeyShare"/>) until the write commits.
    /// </summary>
    public static async Task ValidateAsync(TRecord record, IReadOnlyDictionary<string, EntityField> fields, Func<EntityField, bool> written, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        await ValidateCustomLinksAsync(record, fields.Values.Where(f => f.Custom is not null && written(f)).ToList(), registry, services, errors, cancellationToken);
        foreach (var group in fields.Values.Where(f => f.Custom is null).Where(f => f.ReferenceType is not null && f.Get(record) is not null && written(f)).GroupBy(f => f.ReferenceType!))
        {
            var ids = group.Select(f => Convert.ToInt64(f.Get(record), CultureInfo.InvariantCulture)).Distinct().ToList();
            var found = await registry.Find(group.Key).LoadHeldAsync(services, ids, cancellationToken);
            foreach (var field in group)
            {
                var id = Convert.ToInt64(field.Get(record), CultureInfo.InvariantCulture);
                if (!found.ContainsKey(id))
                {
                    errors.Add(Refusals.NotFound(group.Key, id, "input", field.Name));
                }
            }
        }

        var listFields = fields.Values.Where(f => f.ListOf is not null && f.Get(record) is not null && written(f)).ToList();
        if (listFields.Count == 0)
        {
            return;
        }

        var lists = services.GetService<Lists.ISelectionLists>();
        foreach (var field in listFields)
        {
            var listId = field.ListOf!(record);
            var value = (string)field.Get(record)!;
            var items = lists is null ? [] : await lists.GetItemsAsync(listId, cancellationToken);
            if (!items.Any(i => i.Id == value))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{value}' is not an item of the selection list {listId}.", "input", field.Name));
            }
        }
    }

    /// <summary>
    /// Links in custom fields must name records that exist (CRM links by their type, employees as
    /// active users): one query per referenced type.
    /// </summary>
    private static async Task ValidateCustomLinksAsync(TRecord record, IReadOnlyList<EntityField> written, IEntityRegistry registry, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        var references = new List<(EntityField Field, string Type, long Id)>();
        foreach (var field in written)
        {
            var spec = field.Custom!;
            var stored = ((ICustomizableRecord)record).CustomFields[spec.Code];
            var nodes = stored is System.Text.Json.Nodes.JsonArray array ? array.ToList() : [stored];
            foreach (var node in nodes.Where(n => n is not null))
            {
                if (spec.Type == CustomFieldType.Crm && CrmRecordReference.Parse(node!.GetValue<string>()) is { } link)
                {
                    references.Add((field, link.EntityType, link.Id));
                }
                else if (spec.Type == CustomFieldType.Employee)
                {
                    references.Add((field, "user", node!.GetValue<long>()));
                }
            }
        }

        // Employees are users: those the rights provider knows as active (when users are managed at all).
        if (services.GetService<IAccessRightsProvider>() is { } users)
        {
            foreach (var (field, _, id) in references.Where(r => r.Type == "user").DistinctBy(r => (r.Field.Name, r.Id)).ToList())
            {
                if (await users.RightsAsync(id, cancellationToken) is null)
                {
                    errors.Add(UserError.At(ErrorCodes.NotFound, Refusals.NoSuch("active user", id, field.Name), "input", field.Name));
                }
            }
        }

        foreach (var group in references.Where(r => r.Type != "user").GroupBy(r => r.Type))
        {
            var found = await registry.Find(group.Key).LoadHeldAsync(services, group.Select(r => r.Id).Distinct().ToList(), cancellationToken);
            foreach (var (field, entityType, id) in group.Where(r => !found.ContainsKey(r.Id)).DistinctBy(r => (r.Field.Name, r.Id)))
            {
                errors.Add(UserError.At(ErrorCodes.NotFound, Refusals.NoSuch(entityType, id, field.Name), "input", field.Name));
            }
        }
    }
}
