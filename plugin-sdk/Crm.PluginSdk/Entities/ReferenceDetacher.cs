using Crm.PluginSdk.Modules;
using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>This type's side of a delete elsewhere: which of its records point at the deleted record, and letting go of it.</summary>
internal sealed class ReferenceDetacher<TRecord, TContext>(
    CrmEntityDefinition<TRecord, TContext> definition, RecordWriter<TRecord, TContext> writer, SearchLinks<TRecord, TContext> searchLinks)
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    private const int DetachBatchSize = 200;

    public async Task<ReferenceScan> FindReferencesAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken)
    {
        var fields = ReferenceFields(services, targetType);
        if (fields.Count == 0)
        {
            return ReferenceScan.None;
        }

        var db = services.GetModuleService<TContext>();
        var refusing = new List<(string Field, int Count)>();
        foreach (var field in fields.Where(f => f.OnReferenceDeleted == ReferenceDeletion.Refuse))
        {
            var count = await db.Set<TRecord>().CountAsync(RecordConditions<TRecord>.Holds(field, targetType, targetId), cancellationToken);
            if (count > 0)
            {
                refusing.Add((field.Name, count));
            }
        }

        var clearing = fields.Where(f => f.OnReferenceDeleted == ReferenceDeletion.Clear).Select(f => RecordConditions<TRecord>.Holds(f, targetType, targetId)).ToList();
        if (clearing.Count == 0)
        {
            return new ReferenceScan([], refusing);
        }

        var record = Expression.Parameter(typeof(TRecord), "record");
        var any = Expression.Lambda<Func<TRecord, bool>>(
            clearing.Select(c => ParameterRebinder.Rebind(c, record)).Aggregate(Expression.OrElse), record);
        var query = db.Set<TRecord>().AsNoTracking().Where(any);
        if (targetType == definition.Name)
        {
            // The record being deleted lets go of nothing.
            query = query.Where(r => r.Id != targetId);
        }

        var ids = await query.OrderBy(r => r.Id).Select(r => r.Id).Take(max + 1).ToListAsync(cancellationToken);
        return new ReferenceScan(ids, refusing);
    }

    public async Task<IReadOnlyList<UserError>> DetachReferencesAsync(IServiceProvider services, string targetType, long targetId, IReadOnlyCollection<long> recordIds,
        IReadOnlyList<CrmRelationDefinition> relations, CancellationToken cancellationToken, long? replacementId = null)
    {
        var db = services.GetModuleService<TContext>();
        var fields = ReferenceFields(services, targetType).Where(f => f.OnReferenceDeleted == ReferenceDeletion.Clear).ToList();
        var target = new CrmRecordReference(targetType, targetId);
        var searchLinksTouched = new List<long>();
        foreach (var batch in recordIds.Order().Chunk(DetachBatchSize))
        {
            await db.LockAsync<TRecord>(batch, RowLock.NoKeyUpdate, cancellationToken);
            var records = await definition.WritesFrom(db).Where(r => batch.Contains(r.Id)).OrderBy(r => r.Id).ToListAsync(cancellationToken);
            // Read after the lock: a list changed meanwhile is not written back as it was.
            var links = new List<(string Input, ILookup<long, long> Lists)>();
            foreach (var relation in relations)
            {
                links.Add((relation.FromInputName!, await relation.LinksOfAsync(services, batch, cancellationToken)));
            }

            foreach (var record in records)
            {
                var input = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (inputName, lists) in links)
                {
                    var linked = lists[record.Id].ToList();
                    if (linked.Contains(targetId))
                    {
                        // Merged: the replacement takes the target's place in the list (once).
                        var kept = replacementId is { } replacing ? linked.Select(l => l == targetId ? replacing : l).Distinct() : linked.Where(l => l != targetId);
                        input[inputName] = kept.Select(l => (object?)l.ToString(CultureInfo.InvariantCulture)).ToList();
                    }
                }

                foreach (var field in fields)
                {
                    if (field.Custom is { } spec)
                    {
                        if (WithoutTarget(spec, ((ICustomizableRecord)record).CustomFields[spec.Code], target) is var (holds, remaining) && holds)
                        {
                            input[field.Name] = replacementId is { } replacing ? WithReplacement(spec, remaining, targetType, replacing) : remaining;
                        }
                    }
                    else if (field.Get(record) is { } value && Convert.ToInt64(value, CultureInfo.InvariantCulture) == targetId)
                    {
                        input[field.Name] = replacementId?.ToString(CultureInfo.InvariantCulture);
                    }
                }

                if (input.Count == 0)
                {
                    continue;
                }

                var errors = await writer.ApplyUpdateAsync(services, db, record, input, onBehalf: true, cancellationToken);
                if (errors.Count > 0)
                {
                    return errors.Select(e => UserError.At(ErrorCodes.Conflict, replacementId is { } replacing
                        ? $"{definition.Name} {record.Id.ToString(CultureInfo.InvariantCulture)} cannot name {targetType} {replacing.ToString(CultureInfo.InvariantCulture)} instead of {targetId.ToString(CultureInfo.InvariantCulture)}: {e.Message}"
                        : $"{definition.Name} {record.Id.ToString(CultureInfo.InvariantCulture)} cannot let go of {targetType} {targetId.ToString(CultureInfo.InvariantCulture)}: {e.Message}", "id")).ToList();
                }

                if (searchLinks.Touches(services, db, record, input))
                {
                    searchLinksTouched.Add(record.Id);
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            await searchLinks.RefreshAsync(services, searchLinksTouched, cancellationToken);
            searchLinksTouched.Clear();
        }

        return [];
    }

    public async Task<int> ForgetRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        // Every link, not only those allowing the types: the CustomFields module takes the types out of
        // the allowed ones in the same purge, maybe first, or before a host stopped midway.
        var fields = definition.FieldsOf(services).Values.Where(f => f.Custom is { Type: CustomFieldType.Crm }).ToList();
        if (fields.Count == 0 || recordTypes.Count == 0)
        {
            return 0;
        }

        // Any of the fields holding a value that starts with "type:" for any of the types.
        var record = Expression.Parameter(typeof(TRecord), "record");
        var prefixes = recordTypes.Select(t => t + ":").ToList();
        var holds = fields.SelectMany(field => prefixes.Select(prefix => HoldsPrefix(field, prefix, record))).Aggregate(Expression.OrElse);
        var any = Expression.Lambda<Func<TRecord, bool>>(holds, record);
        var db = services.GetModuleService<TContext>();
        var changed = 0;
        for (long after = 0; ;)
        {
            var ids = await db.Set<TRecord>().AsNoTracking().Where(any).Where(r => r.Id > after).OrderBy(r => r.Id).Select(r => r.Id).Take(DetachBatchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return changed;
            }

            after = ids[^1];
            changed += await ForgetInAsync(services, db, ids, fields, recordTypes, cancellationToken);
        }
    }

    /// <summary>The records <paramref name="ids"/> without their links to the types, saved in a transaction of their own (locked, read again: a value written meanwhile is kept).</summary>
    private async Task<int> ForgetInAsync(IServiceProvider services, TContext db, IReadOnlyCollection<long> ids, IReadOnlyList<EntityField> fields, IReadOnlyCollection<string> recordTypes,
        CancellationToken cancellationToken)
    {
        var session = services.GetRequiredService<CrmDatabaseSession>();
        return await session.InTransactionAsync(async () =>
        {
            await db.LockAsync<TRecord>(ids, RowLock.NoKeyUpdate, cancellationToken);
            var records = await definition.WritesFrom(db).Where(r => ids.Contains(r.Id)).OrderBy(r => r.Id).ToListAsync(cancellationToken);
            var touched = new List<long>();
            foreach (var record in records)
            {
                var values = ((ICustomizableRecord)record).CustomFields;
                CustomFieldValues? kept = null;
                var input = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var field in fields)
                {
                    var spec = field.Custom!;
                    if (values[spec.Code] is not { } stored || WithoutTypes(stored, recordTypes) is not (true, var remaining))
                    {
                        continue;
                    }

                    kept ??= values.Clone();
                    kept.Set(spec.Code, remaining);
                    input[field.Name] = null;
                }

                if (kept is null)
                {
                    continue;
                }

                // A new document, so that the save sees the change and the "updated" event tells it.
                ((ICustomizableRecord)record).CustomFields = kept;
                if (searchLinks.Touches(services, db, record, input))
                {
                    touched.Add(record.Id);
                }
            }

            var changed = db.ChangeTracker.Entries<TRecord>().Count(e => e.State == EntityState.Modified);
            await db.SaveChangesAsync(cancellationToken);
            await searchLinks.RefreshAsync(services, touched, cancellationToken);
            db.ChangeTracker.Clear();
            return changed;
        }, cancellationToken: cancellationToken);
    }

    private static Expression HoldsPrefix(EntityField field, string prefix, ParameterExpression record)
    {
        var accessor = ParameterRebinder.Rebind(field.Accessor, record);
        return field.Custom!.Multiple
            ? CustomFieldSql.AnyValueCall(accessor, field.Custom.Code, "startsWith", JsonSerializer.Serialize(prefix))
            : Expression.Call(accessor, typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!, Parameter.Of(prefix, typeof(string)));
    }

    /// <summary>Whether a stored link value (one key or a list of keys) names a record of the types, and what remains without those.</summary>
    private static (bool Holds, JsonNode? Remaining) WithoutTypes(JsonNode stored, IReadOnlyCollection<string> recordTypes)
    {
        var (holds, kept) = KeysWithout(stored, key => CrmRecordReference.Parse(key) is { } reference && recordTypes.Contains(reference.EntityType));
        return (holds, stored is JsonArray ? new JsonArray(kept.Select(k => (JsonNode?)JsonValue.Create(k)).ToArray()) : holds ? null : stored);
    }

    /// <summary>Whether a stored link value (one key or a list of keys) holds a key that <paramref name="gone"/> accepts, and the other keys.</summary>
    private static (bool Holds, List<string> Kept) KeysWithout(JsonNode? stored, Func<string, bool> gone)
    {
        List<string> keys = stored switch
        {
            null => [],
            JsonArray array => array.Select(n => n?.GetValue<string>()).OfType<string>().ToList(),
            _ => [stored.GetValue<string>()],
        };
        var kept = keys.Where(k => !gone(k)).ToList();
        return (kept.Count < keys.Count, kept);
    }

    /// <summary>This type's fields that may point at records of <paramref name="targetType"/>: reference fields, and custom CRM links that allow the type.</summary>
    private List<EntityField> ReferenceFields(IServiceProvider services, string targetType) =>
        definition.FieldsOf(services).Values.Where(f => f.Custom is { } spec
                ? spec.Type == CustomFieldType.Crm && (spec.Settings.RecordTypes.Count == 0 || spec.Settings.RecordTypes.Contains(targetType))
                : f.ReferenceType == targetType)
            .ToList();

    /// <summary>A custom CRM link's input naming the replacement where the target was (a list keeps it once).</summary>
    private static object? WithReplacement(CustomFieldSpec spec, object? remaining, string targetType, long replacementId)
    {
        var replacement = new Dictionary<string, object?> { ["entityType"] = targetType, ["id"] = replacementId.ToString(CultureInfo.InvariantCulture) };
        if (!spec.Multiple)
        {
            return replacement;
        }

        var list = ((List<object?>)remaining!).ToList();
        if (!list.OfType<Dictionary<string, object?>>().Any(r => Equals(r["entityType"], targetType) && Equals(r["id"], replacement["id"])))
        {
            list.Add(replacement);
        }

        return list;
    }

    /// <summary>Whether a custom link value holds the target, and the value to write without it (null, or the other links).</summary>
    private static (bool Holds, object? Remaining) WithoutTarget(CustomFieldSpec spec, JsonNode? stored, CrmRecordReference target)
    {
        var (holds, kept) = KeysWithout(stored, key => key == target.Key);
        if (!holds || !spec.Multiple)
        {
            return (holds, null);
        }

        var remaining = kept.Select(CrmRecordReference.Parse).OfType<CrmRecordReference>()
            .Select(r => (object?)new Dictionary<string, object?> { ["entityType"] = r.EntityType, ["id"] = r.Id.ToString(CultureInfo.InvariantCulture) })
            .ToList();
        return (true, remaining);
    }
}
