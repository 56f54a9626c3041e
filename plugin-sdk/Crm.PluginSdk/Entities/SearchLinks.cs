using Crm.PluginSdk.Modules;
using System.Linq.Expressions;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// The linked titles a type's <c>search</c> includes (a contact found by its companies' titles).
/// Those are kept in a column of their own (<see cref="SearchText.LinksColumn"/>), written after
/// every write that changes a record's links, and refreshed in batches when a linked record's
/// title changes (<see cref="SearchLinksRefresher"/>, on its "updated" event).
/// </summary>
internal sealed class SearchLinks<TRecord, TContext>(CrmEntityDefinition<TRecord, TContext> definition)
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    private const int SearchLinksBatchSize = 500;
    private IReadOnlyList<SearchLink>? _links;

    /// <summary>One declared link: a reference field, or a relation from this type.</summary>
    private sealed record SearchLink(string Name, string TargetType, EntityField? Field, CrmRelationDefinition? Relation);

    public IReadOnlyCollection<string> Targets(IServiceProvider services) =>
        LinksOf(services).Select(l => l.TargetType).Distinct(StringComparer.Ordinal).ToList();

    private IReadOnlyList<SearchLink> LinksOf(IServiceProvider services)
    {
        if (_links is { } known)
        {
            return known;
        }

        if (definition.SearchLinkNames.Count == 0)
        {
            return _links = [];
        }

        var relations = services.GetServices<ISchemaContributor>().OfType<CrmRelationDefinition>().ToList();
        var links = new List<SearchLink>();
        foreach (var name in definition.SearchLinkNames)
        {
            if (definition.Fields.Values.FirstOrDefault(f => f.ReferenceField == name) is { } field)
            {
                links.Add(new SearchLink(name, field.ReferenceType!, field, null));
            }
            else if (relations.FirstOrDefault(r => r.FromType == definition.Name && r.FromField == name) is { } relation)
            {
                links.Add(new SearchLink(name, relation.ToType, null, relation));
            }
            else
            {
                throw new InvalidOperationException($"The search of {definition.PluralName} includes the titles of '{name}', which is neither a reference of {definition.Name} nor a relation from it.");
            }
        }

        return _links = links;
    }

    /// <summary>Whether a write changes what the record's linked titles are made of: a reference it searches by, or a relation's input.</summary>
    public bool Touches(IServiceProvider services, TContext db, TRecord record, IReadOnlyDictionary<string, object?> input)
    {
        if (definition.SearchLinkNames.Count == 0)
        {
            return false;
        }

        var entry = db.Entry(record);
        return entry.State == EntityState.Added
            ? TouchesNew(services, record, input)
            : LinksOf(services).Any(link => link.Field is { } field ? entry.Property(field.Property.Name).IsModified : link.Relation!.FromInputName is { } inputName && input.ContainsKey(inputName));
    }

    /// <summary>
    /// <see cref="Touches"/> for a record being created: asks no entry of the context, whose
    /// <c>Entry</c> compares the record's properties again (a bulk create asks it of every record).
    /// </summary>
    public bool TouchesNew(IServiceProvider services, TRecord record, IReadOnlyDictionary<string, object?> input) =>
        definition.SearchLinkNames.Count > 0
        && LinksOf(services).Any(link => link.Field is { } field ? field.Get(record) is not null : link.Relation!.FromInputName is { } inputName && input.ContainsKey(inputName));

    public async Task RefreshAsync(IServiceProvider services, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        var links = LinksOf(services);
        if (links.Count == 0 || ids.Count == 0)
        {
            return;
        }

        var db = services.GetModuleService<TContext>();
        var idList = ids.Distinct().ToList();
        var targets = idList.ToDictionary(id => id, _ => new List<(string Type, long Id)>());
        if (links.Any(l => l.Field is not null))
        {
            var records = await db.Set<TRecord>().AsNoTracking().Where(r => idList.Contains(r.Id)).ToListAsync(cancellationToken);
            foreach (var record in records)
            {
                foreach (var link in links.Where(l => l.Field is not null))
                {
                    if (link.Field!.Get(record) is { } value)
                    {
                        targets[record.Id].Add((link.TargetType, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)));
                    }
                }
            }
        }

        foreach (var link in links.Where(l => l.Relation is not null))
        {
            var linked = await link.Relation!.LinksOfAsync(services, idList, cancellationToken);
            foreach (var id in idList)
            {
                targets[id].AddRange(linked[id].Select(t => (link.TargetType, t)));
            }
        }

        var titles = await LoadTitlesAsync(services, targets.Values.SelectMany(t => t), cancellationToken);
        var texts = idList.GroupBy(id => SearchText.BuildLinks(targets[id].Select(t => titles.GetValueOrDefault(t))));
        foreach (var group in texts)
        {
            var text = group.Key;
            var groupIds = group.ToList();
            await db.Set<TRecord>().Where(r => groupIds.Contains(r.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(r => EF.Property<string?>(r, SearchText.LinksColumn), text), cancellationToken);
        }
    }

    /// <summary>The titles of these records, whoever may read them: a record's search text is the same for every reader.</summary>
    private static async Task<Dictionary<(string Type, long Id), string?>> LoadTitlesAsync(IServiceProvider services, IEnumerable<(string Type, long Id)> records, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        var titles = new Dictionary<(string Type, long Id), string?>();
        using var allRights = services.GetService<CurrentActor>()?.WithAllRights();
        foreach (var group in records.Distinct().GroupBy(r => r.Type))
        {
            if (registry.Find(group.Key) is not ICrmEntityDefinition type)
            {
                // The linked type's module is not loaded: nothing to show of it.
                continue;
            }

            var loaded = await type.LoadByIdsAsync(services, group.Select(r => r.Id).ToList(), cancellationToken);
            foreach (var (id, record) in loaded)
            {
                titles[(group.Key, id)] = type.TitleOf(record);
            }
        }

        return titles;
    }

    public async Task<int> RefreshToAsync(IServiceProvider services, string targetType, long targetId, CancellationToken cancellationToken)
    {
        var links = LinksOf(services).Where(l => l.TargetType == targetType).ToList();
        if (links.Count == 0)
        {
            return 0;
        }

        var db = services.GetModuleService<TContext>();
        var referrers = new SortedSet<long>();
        foreach (var link in links)
        {
            if (link.Field is { } field)
            {
                referrers.UnionWith(await db.Set<TRecord>().AsNoTracking().Where(RecordConditions<TRecord>.Holds(field, targetType, targetId)).Select(r => r.Id).ToListAsync(cancellationToken));
            }
            else
            {
                referrers.UnionWith(await link.Relation!.RecordsLinkedToAsync(services, targetId, cancellationToken));
            }
        }

        foreach (var batch in referrers.Chunk(SearchLinksBatchSize))
        {
            await RefreshAsync(services, batch, cancellationToken);
        }

        return referrers.Count;
    }

    /// <summary>The search condition of one term: in the record's own text, or (when the type declares links) in its linked titles.</summary>
    public Expression SearchCondition(ParameterExpression record, Expression pattern, Data.SqlDialect dialect)
    {
        Expression Column(string name) => Expression.Call(typeof(EF), nameof(EF.Property), [typeof(string)], record, Expression.Constant(name));
        var own = dialect.Like(Column(SearchText.Column), pattern);
        return definition.SearchLinkNames.Count == 0 ? own : Expression.OrElse(own, dialect.Like(Column(SearchText.LinksColumn), pattern));
    }
}
