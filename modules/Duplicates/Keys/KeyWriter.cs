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

            var companies = keys.CompanyLinks is { } relation ? await CompaniesAsync(relation, context, written, cancellationToken) : null;
            var fresh = written.SelectMany(s => keys.KeysOf(s.Record, companies?[s.Id] ?? []).Select(k => (s.Id, k.Rule, k.Key))).ToList();
            var created = written.Where(s => s.Kind == SavedRecordKind.Created).Select(s => s.Id).ToHashSet();
            var updated = written.Where(s => s.Kind == SavedRecordKind.Updated).Select(s => s.Id).ToList();
            await KeyTable.DeleteAsync(context, table, byType.Key, gone, cancellationToken);
            // A created record's keys are all new; an updated record's are what its stored ones lack.
            var newKeys = fresh.Where(k => created.Contains(k.Id)).ToList();
            await KeyTable.InsertAsync(context, table, byType.Key, newKeys, cancellationToken);
            if (updated.Count > 0)
            {
                var updatedSet = updated.ToHashSet();
                newKeys.AddRange(await KeyTable.ReplaceAsync(context, table, byType.Key, updated, fresh.Where(k => updatedSet.Contains(k.Id)).ToList(), cancellationToken));
            }

            foreach (var key in newKeys)
            {
                added.Note(byType.Key, key.Id, key.Rule, key.Key);
            }
        }
    }

    /// <summary>The records' companies: a created record's from its save (no statement), an updated one's from the table.</summary>
    private async Task<ILookup<long, long>> CompaniesAsync(CrmRelationDefinition relation, ModuleDbContext context, List<SavedRecord> written, CancellationToken cancellationToken)
    {
        var created = written.Where(s => s.Kind == SavedRecordKind.Created).Select(s => s.Id).ToList();
        var updated = written.Where(s => s.Kind == SavedRecordKind.Updated).Select(s => s.Id).ToList();
        var ofCreated = created.Count == 0 ? null : await relation.LinksOfCreatedAsync(services, context, created, cancellationToken);
        var ofUpdated = updated.Count == 0 ? null : await relation.LinksOfAsync(services, updated, cancellationToken);
        return (ofCreated ?? Enumerable.Empty<IGrouping<long, long>>()).Concat(ofUpdated ?? Enumerable.Empty<IGrouping<long, long>>())
            .SelectMany(g => g.Select(company => (g.Key, company))).ToLookup(p => p.Key, p => p.company);
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
