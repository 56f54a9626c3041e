using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// The record properties a read must load because a query shows them (or needs them: the id,
/// cursor keys, the keys of selected relations); every other column stays in the database.
/// A null projection everywhere means the whole record.
/// </summary>
internal sealed class RecordProjection
{
    private RecordProjection(string[] properties)
    {
        Properties = properties;
        Key = string.Join(',', properties);
    }

    /// <summary>Property names, distinct and in ordinal order: equal needs give equal keys and one cached shape.</summary>
    public IReadOnlyList<string> Properties { get; }

    /// <summary>The properties joined by commas: names a batch loader and a cached shape.</summary>
    public string Key { get; }

    public static RecordProjection Of(IEnumerable<string> properties) =>
        new([.. properties.Append(nameof(Records.ICrmRecord.Id)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);

    /// <summary>This projection and <paramref name="more"/>; the same instance when nothing is added.</summary>
    public RecordProjection With(IEnumerable<string> more)
    {
        var added = more.Where(p => !Properties.Contains(p, StringComparer.Ordinal)).ToList();
        return added.Count == 0 ? this : Of(Properties.Concat(added));
    }
}

/// <summary>
/// Turns a <see cref="RecordProjection"/> into <c>record =&gt; new TRecord { Id = record.Id, Name = record.Name }</c>,
/// an untracked record holding only those columns. One expression per shape is kept, so that
/// EF Core's query cache sees the same tree for the same selection and compiles it once.
/// </summary>
internal static class RecordProjector<TRecord>
    where TRecord : class, new()
{
    /// <summary>Shapes kept; beyond, a rare shape is built per read (a client cannot grow memory by varying selections).</summary>
    private const int MaxShapes = 256;

    private static readonly ConcurrentDictionary<string, Expression<Func<TRecord, TRecord>>?> Shapes = new(StringComparer.Ordinal);

    /// <summary>The query reading only the projection's columns; the query itself when it reads the whole record.</summary>
    public static IQueryable<TRecord> Apply(IQueryable<TRecord> query, RecordProjection? projection, IModel model)
    {
        if (projection is null)
        {
            return query;
        }

        return Shape(projection, model) is { } shape ? query.Select(shape) : query;
    }

    /// <summary><c>record =&gt; new TRecord { ... }</c> for the projection; null when the whole record must be read.</summary>
    public static Expression<Func<TRecord, TRecord>>? Shape(RecordProjection? projection, IModel model)
    {
        if (projection is null)
        {
            return null;
        }

        var shape = Shapes.TryGetValue(projection.Key, out var cached) ? cached : Build(projection, model);
        if (Shapes.Count < MaxShapes)
        {
            Shapes.TryAdd(projection.Key, shape);
        }

        return shape;
    }

    /// <summary>Null when a property is not a settable column (then the whole record is read: correct, if slower).</summary>
    private static Expression<Func<TRecord, TRecord>>? Build(RecordProjection projection, IModel model)
    {
        var entityType = model.FindEntityType(typeof(TRecord));
        var record = Expression.Parameter(typeof(TRecord), "record");
        var bindings = new List<MemberBinding>(projection.Properties.Count);
        foreach (var name in projection.Properties)
        {
            var property = typeof(TRecord).GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (property?.GetSetMethod() is null || entityType?.FindProperty(name) is not { } column || column.IsShadowProperty())
            {
                return null;
            }

            bindings.Add(Expression.Bind(property, Expression.Property(record, property)));
        }

        return Expression.Lambda<Func<TRecord, TRecord>>(Expression.MemberInit(Expression.New(typeof(TRecord)), bindings), record);
    }
}
