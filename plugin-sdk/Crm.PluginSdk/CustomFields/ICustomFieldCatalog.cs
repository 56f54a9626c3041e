using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.CustomFields;

/// <summary>
/// The custom field definitions in force, as one immutable snapshot. The CustomFields module
/// implements it; the schema is composed from a snapshot and requests run on the snapshot of
/// the schema they started with, so a change is never seen half.
/// </summary>
public interface ICustomFieldCatalog
{
    CustomFieldSnapshot Current { get; }

    /// <summary>Raised after <see cref="Current"/> was replaced (here or by another host).</summary>
    event Action<CustomFieldSnapshot>? Changed;
}

/// <summary>Every custom field definition at one version.</summary>
public sealed class CustomFieldSnapshot
{
    private readonly Dictionary<string, IReadOnlyList<CustomFieldSpec>> _byEntity;

    // Built per entity type on first use and kept with the snapshot: the fields' expressions
    // and delegates are made once per version, not per request.
    private readonly ConcurrentDictionary<string, object> _derived = new(StringComparer.Ordinal);

    public CustomFieldSnapshot(long version, IEnumerable<CustomFieldSpec> fields)
    {
        Version = version;
        _byEntity = fields
            .GroupBy(f => f.EntityType, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<CustomFieldSpec>)g.OrderBy(f => f.Sort).ThenBy(f => f.Id).ToList(), StringComparer.Ordinal);
    }

    public static CustomFieldSnapshot Empty { get; } = new(0, []);

    public long Version { get; }

    public IReadOnlyList<CustomFieldSpec> For(string entityType) =>
        _byEntity.TryGetValue(entityType, out var fields) ? fields : [];

    public IEnumerable<CustomFieldSpec> All => _byEntity.Values.SelectMany(f => f);

    internal T Derived<T>(string key, Func<T> build)
        where T : class =>
        (T)_derived.GetOrAdd(key, _ => build());
}

/// <summary>
/// The snapshot the current request runs on: the one its schema was composed with, set by the
/// host when the request starts; outside a request, the catalog's current one.
/// </summary>
public sealed class CustomFieldScope(IServiceProvider services)
{
    private CustomFieldSnapshot? _snapshot;

    public CustomFieldSnapshot Snapshot
    {
        get => _snapshot ??= services.GetService<ICustomFieldCatalog>()?.Current ?? CustomFieldSnapshot.Empty;
        set => _snapshot = value;
    }

    /// <summary>The snapshot for <paramref name="services"/>' scope, or the catalog's when no scope service is registered.</summary>
    public static CustomFieldSnapshot Of(IServiceProvider services) =>
        services.GetService<CustomFieldScope>()?.Snapshot
        ?? services.GetService<ICustomFieldCatalog>()?.Current
        ?? CustomFieldSnapshot.Empty;
}
