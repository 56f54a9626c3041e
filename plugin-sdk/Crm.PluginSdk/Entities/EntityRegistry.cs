using System.Collections.Frozen;
using Crm.PluginSdk.GraphQL;
using GraphQL.DataLoader;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// What the platform knows of a CRM record type, whichever module or plugin brought it: enough
/// for cross-cutting capabilities (links between records, custom fields, rights, timeline,
/// import/export) to work on it without referencing its assembly.
/// </summary>
public interface ICrmEntityType
{
    /// <summary>Lower-case name, e.g. "contact": the type's key, unique among every module's types.</summary>
    string Name { get; }

    /// <summary>
    /// Bitrix24's numeric type id for the types Bitrix24 has (1 lead, 2 deal, 3 contact, 4
    /// company), given by the SDK from the name; null for every other type (a plugin's too), which
    /// is known by its name.
    /// </summary>
    int? TypeId { get; }

    string GraphTypeName { get; }

    Type RecordType { get; }

    IReadOnlyDictionary<string, EntityField> Fields { get; }

    /// <summary>Loads the records with these ids that exist and that the caller may read.</summary>
    Task<IReadOnlyDictionary<long, object>> LoadByIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> ids, CancellationToken cancellationToken);

    /// <summary>Loads them with only the columns of <paramref name="projection"/> (null: whole records); a type that cannot loads whole records.</summary>
    internal Task<IReadOnlyDictionary<long, object>> LoadByIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> ids, RecordProjection? projection, CancellationToken cancellationToken) =>
        LoadByIdsAsync(requestServices, ids, cancellationToken);

    /// <summary>
    /// Locks the records with these ids until the scope's transaction ends (see <see cref="Data.RowLocks"/>):
    /// <see cref="Data.RowLock.KeyShare"/> before writing a link to them, so that they cannot be deleted meanwhile.
    /// </summary>
    Task LockAsync(IServiceProvider requestServices, IReadOnlyCollection<long> ids, Data.RowLock mode, CancellationToken cancellationToken);
}

public static class EntityTypeExtensions
{
    /// <summary>
    /// The records of <paramref name="type"/> with these ids that exist and the actor may read,
    /// held (<see cref="Data.RowLock.KeyShare"/>) until the scope's transaction ends: what a write
    /// that links to them checks, so that a concurrent delete cannot remove them under the link.
    /// Nothing when the type is not loaded.
    /// </summary>
    public static async Task<IReadOnlyDictionary<long, object>> LoadHeldAsync(this ICrmEntityType? type, IServiceProvider requestServices, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (type is null || ids.Count == 0)
        {
            return new Dictionary<long, object>();
        }

        await type.LockAsync(requestServices, ids, Data.RowLock.KeyShare, cancellationToken);
        return await type.LoadByIdsAsync(requestServices, ids, cancellationToken);
    }
}

public interface IEntityRegistry
{
    IReadOnlyList<ICrmEntityType> Types { get; }

    ICrmEntityType? Find(string name);

    ICrmEntityType Get(string name);

    /// <summary>Loads a record by id, batched with every other load of the type in the same request.</summary>
    IDataLoaderResult<object?> Load(IServiceProvider requestServices, string typeName, long id);

    /// <summary>Loads records by ids (those that exist, in the given order), batched likewise.</summary>
    IDataLoaderResult LoadMany(IServiceProvider requestServices, string typeName, IReadOnlyList<long> ids);

    /// <summary><see cref="Load(IServiceProvider, string, long)"/> reading only the columns of <paramref name="projection"/>.</summary>
    internal IDataLoaderResult<object?> Load(IServiceProvider requestServices, string typeName, long id, RecordProjection? projection) =>
        Load(requestServices, typeName, id);

    /// <summary><see cref="LoadMany(IServiceProvider, string, IReadOnlyList{long})"/> reading only the columns of <paramref name="projection"/>.</summary>
    internal IDataLoaderResult LoadMany(IServiceProvider requestServices, string typeName, IReadOnlyList<long> ids, RecordProjection? projection) =>
        LoadMany(requestServices, typeName, ids);

    /// <summary>
    /// Hands the request's loader of <paramref name="typeName"/> with <paramref name="projection"/> a record
    /// read already (null: none the reader may read has that id), so that <see cref="Load(IServiceProvider, string, long, RecordProjection?)"/>
    /// answers it without a statement.
    /// </summary>
    internal void Prime(IServiceProvider requestServices, string typeName, RecordProjection? projection, long id, object? record)
    {
    }
}

internal sealed class EntityRegistry : IEntityRegistry
{
    /// <summary>The types and their index, swapped whole when a plugin loaded at run time adds its own: readers keep the snapshot they took.</summary>
    private sealed record Snapshot(IReadOnlyList<ICrmEntityType> Types, FrozenDictionary<string, ICrmEntityType> ByName);

    private readonly Lock _addLock = new();
    private Snapshot _snapshot;

    /// <param name="types">Types that do not clash (see <see cref="Clash"/>): the host refuses a module whose type would, before it gets here.</param>
    public EntityRegistry(IEnumerable<ICrmEntityType> types) => _snapshot = Index([.. types]);

    private static Snapshot Index(List<ICrmEntityType> types)
    {
        var byName = new Dictionary<string, ICrmEntityType>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (byName.Values.Select(held => (held, clash: Clash(held, type))).FirstOrDefault(c => c.clash is not null) is { held: { } other, clash: { } what })
            {
                throw new ArgumentException($"The entity types '{other.Name}' and '{type.Name}' both claim {what}.", nameof(types));
            }

            byName.Add(type.Name, type);
        }

        return new Snapshot(types, byName.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>
    /// Adds the record types of a module loaded after the host was built (a plugin installed at run
    /// time). All or none: a type that clashes with one held (or with another of them) throws and
    /// nothing is added.
    /// </summary>
    public void Add(IReadOnlyCollection<ICrmEntityType> types)
    {
        lock (_addLock)
        {
            Volatile.Write(ref _snapshot, Index([.. Volatile.Read(ref _snapshot).Types, .. types]));
        }
    }

    /// <summary>
    /// What <paramref name="candidate"/> claims that <paramref name="held"/> already has, or null when
    /// both can be registered: a record type name, a root field of the schema (a type's name and its
    /// plural), a GraphQL type name, a <c>CrmEntityType</c> value or a Bitrix24 type id.
    /// </summary>
    public static string? Clash(ICrmEntityType held, ICrmEntityType candidate)
    {
        var claimed = Claims(held).ToHashSet(StringComparer.Ordinal);
        return Claims(candidate).FirstOrDefault(claimed.Contains);
    }

    private static IEnumerable<string> Claims(ICrmEntityType type)
    {
        yield return $"the record type name '{type.Name}'";
        yield return $"the root field '{type.Name}'";
        if (type is ICrmEntityDefinition definition)
        {
            yield return $"the root field '{definition.PluralName}'";
        }

        yield return $"the GraphQL type name '{type.GraphTypeName}'";
        yield return $"the CrmEntityType value {SchemaComposer.EntityTypeEnumName(type.Name)}";
        if (type.TypeId is { } id)
        {
            yield return $"the Bitrix24 type id {id.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }
    }

    public IReadOnlyList<ICrmEntityType> Types => Volatile.Read(ref _snapshot).Types;

    public ICrmEntityType? Find(string name) => Volatile.Read(ref _snapshot).ByName.GetValueOrDefault(name);

    public ICrmEntityType Get(string name) =>
        Find(name) ?? throw new InvalidOperationException($"No module registers the entity type '{name}'.");

    public IDataLoaderResult<object?> Load(IServiceProvider requestServices, string typeName, long id) =>
        Load(requestServices, typeName, id, null);

    public IDataLoaderResult LoadMany(IServiceProvider requestServices, string typeName, IReadOnlyList<long> ids) =>
        LoadMany(requestServices, typeName, ids, null);

    public IDataLoaderResult<object?> Load(IServiceProvider requestServices, string typeName, long id, RecordProjection? projection) =>
        Loader(requestServices, typeName, projection).Load(id);

    public void Prime(IServiceProvider requestServices, string typeName, RecordProjection? projection, long id, object? record) =>
        Loader(requestServices, typeName, projection).Prime(id, record);

    public IDataLoaderResult LoadMany(IServiceProvider requestServices, string typeName, IReadOnlyList<long> ids, RecordProjection? projection)
    {
        var loader = Loader(requestServices, typeName, projection);
        var results = new List<IDataLoaderResult<object?>>(ids.Count);
        foreach (var id in ids)
        {
            results.Add(loader.Load(id));
        }

        return new ManyResult(results);
    }

    /// <summary>
    /// One loader per type and projection: a record read with some columns cannot stand in for
    /// one read with others. Fields that select alike (the usual case) share one batch per level.
    /// </summary>
    private BatchLoader<long, object> Loader(IServiceProvider requestServices, string typeName, RecordProjection? projection)
    {
        var type = Get(typeName);
        return requestServices.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, object>(
            projection is null ? "entity:" + typeName : "entity:" + typeName + ":" + projection.Key,
            (ids, ct) => type.LoadByIdsAsync(requestServices, ids, projection, ct));
    }

    private sealed class ManyResult(IReadOnlyList<IDataLoaderResult<object?>> results) : IDataLoaderResult
    {
        public async Task<object?> GetResultAsync(CancellationToken cancellationToken = default)
        {
            var records = new List<object>(results.Count);
            foreach (var result in results)
            {
                if (await result.GetResultAsync(cancellationToken) is { } record)
                {
                    records.Add(record);
                }
            }

            return records;
        }
    }
}
