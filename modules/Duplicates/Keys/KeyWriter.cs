using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Duplicates.Keys;

/// <summary>
/// Keeps every record's match keys with the record: told of each save of a type with keys (by
/// any path through the platform), in its transaction, it writes the keys of created records,
/// replaces those of updated records whose key fields changed, and drops those of deleted ones.
/// What it added is noted for <see cref="Finding.DuplicateCheck"/>, which warns of the new keys only.
/// </summary>
internal sealed class KeyWriter(IServiceProvider services, IEntityRegistry registry, AddedKeys added) : IRecordSaveObserver
{
    public bool Observes(string entityType) => MatchKeys.For(registry.Find(entityType), services) is not null;

    public async Task SavedAsync(ModuleDbContext context, IReadOnlyList<SavedRecord> saved, CancellationToken cancellationToken)
    {
        var table = KeyTable.Name(services, context);
        foreach (var byType in saved.GroupBy(s => s.EntityType))
        {
            var keys = MatchKeys.For(registry.Find(byType.Key), services)!;
            var gone = byType.Where(s => s.Kind == SavedRecordKind.Deleted).Select(s => s.Id).ToList();
            var written = byType.Where(s => s.Kind == SavedRecordKind.Created
                || (s.Kind == SavedRecordKind.Updated && !keys.KeepsKeys(s.Record, s.ChangedFields))).ToList();
            if (written.Count == 0)
            {
                await KeyTable.DeleteAsync(context, table, byType.Key, gone, cancellationToken);
                continue;
            }

            var ids = written.Select(s => s.Id).ToList();
            var companies = keys.CompanyLinks is { } relation ? await relation.LinksOfAsync(services, ids, cancellationToken) : null;
            var fresh = written.SelectMany(s => keys.KeysOf(s.Record, companies?[s.Id] ?? []).Select(k => (s.Id, k.Rule, k.Key))).ToList();
            var updated = written.Where(s => s.Kind == SavedRecordKind.Updated).Select(s => s.Id).ToList();
            var before = updated.Count == 0
                ? []
                : (await KeyTable.OfRecordsAsync(context, table, byType.Key, updated, cancellationToken)).Select(k => (k.RecordId, k.Rule, k.Key)).ToHashSet();
            var newKeys = fresh.Where(k => !before.Contains((k.Id, k.Rule.Code(), k.Key))).ToList();
            var freshSet = fresh.Select(k => (k.Id, k.Rule.Code(), k.Key)).ToHashSet();
            var changed = updated.Where(id => before.Any(b => b.RecordId == id && !freshSet.Contains(b)) || newKeys.Any(k => k.Id == id)).ToHashSet();

            // Updated records whose keys differ lose all their rows and get the new set: two statements, whatever the batch.
            await KeyTable.DeleteAsync(context, table, byType.Key, [.. gone, .. changed], cancellationToken);
            var created = written.Where(s => s.Kind == SavedRecordKind.Created).Select(s => s.Id).ToHashSet();
            await KeyTable.InsertAsync(context, table, byType.Key, fresh.Where(k => created.Contains(k.Id) || changed.Contains(k.Id)).ToList(), cancellationToken);
            foreach (var key in newKeys)
            {
                added.Note(byType.Key, key.Id, key.Rule, key.Key);
            }
        }
    }
}

/// <summary>The keys this scope's writes gave their records that they did not have, for the write's duplicate check.</summary>
internal sealed class AddedKeys
{
    private readonly Dictionary<(string Type, long Id), List<(MatchRule Rule, string Key)>> _added = [];

    public void Note(string type, long id, MatchRule rule, string key)
    {
        if (!_added.TryGetValue((type, id), out var keys))
        {
            _added[(type, id)] = keys = [];
        }

        keys.Add((rule, key));
    }

    /// <summary>What the record's write added, forgotten once taken.</summary>
    public IReadOnlyList<(MatchRule Rule, string Key)> Take(string type, long id) =>
        _added.Remove((type, id), out var keys) ? keys : [];
}
