using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Crm.PluginSdk.Querying;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// The columns of one record type that a <see cref="RecordProjection"/> reads, and how to make the
/// untracked record back from them in a row of a statement EF Core did not write (a reference
/// joined into its parent's read, <see cref="JoinedRead"/>). Values go through the model's value
/// converters as EF Core's own reads do, so a record read this way equals one EF Core reads.
/// </summary>
internal sealed class RecordColumns
{
    private readonly Func<DbDataReader, int, object> _read;

    private RecordColumns(IReadOnlyList<string> names, Func<DbDataReader, int, object> read)
    {
        Names = names;
        _read = read;
    }

    /// <summary>Column names as the table spells them; the id's first.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The record in the columns from <paramref name="offset"/> on; null when its id is null (an outer join found none).</summary>
    public object? Read(DbDataReader reader, int offset) => reader.IsDBNull(offset) ? null : _read(reader, offset);

    /// <summary>Shapes kept per model and type; beyond, a rare shape is not joined (its batched load serves it).</summary>
    private const int MaxShapes = 256;

    // Per model (another engine, another host in the same process); weak: gone with the model.
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<(Type, string), RecordColumns?>> ByModel = [];

    /// <summary>The columns of <paramref name="projection"/> for <typeparamref name="TRecord"/>; null when a property is not a plain column of its table.</summary>
    public static RecordColumns? For<TRecord>(IModel model, RecordProjection projection)
        where TRecord : class, new()
    {
        var shapes = ByModel.GetValue(model, _ => new());
        var key = (typeof(TRecord), projection.Key);
        if (shapes.TryGetValue(key, out var columns))
        {
            return columns;
        }

        columns = Build<TRecord>(model, projection);
        return shapes.Count < MaxShapes ? shapes.GetOrAdd(key, columns) : columns;
    }

    private static RecordColumns? Build<TRecord>(IModel model, RecordProjection projection)
        where TRecord : class, new()
    {
        // Only rows of a plain table: EF Core adds conditions of its own for a type in a hierarchy
        // (the discriminator) and for a model's query filters, which a statement written here would miss.
        if (model.FindEntityType(typeof(TRecord)) is not { } entityType || entityType.GetTableName() is null
            || entityType.BaseType is not null || entityType.GetDirectlyDerivedTypes().Any() || entityType.GetDeclaredQueryFilters().Count > 0)
        {
            return null;
        }

        var reader = Expression.Parameter(typeof(DbDataReader), "reader");
        var offset = Expression.Parameter(typeof(int), "offset");
        var record = Expression.Variable(typeof(TRecord), "record");
        var body = new List<Expression> { Expression.Assign(record, Expression.New(typeof(TRecord))) };
        var names = new List<string>(projection.Properties.Count);
        var properties = projection.Properties.OrderBy(p => p == nameof(Records.ICrmRecord.Id) ? 0 : 1).ToList();
        for (var i = 0; i < properties.Count; i++)
        {
            var clrProperty = typeof(TRecord).GetProperty(properties[i], BindingFlags.Public | BindingFlags.Instance);
            if (clrProperty?.GetSetMethod() is null || entityType.FindProperty(properties[i]) is not { } property || property.IsShadowProperty())
            {
                return null;
            }

            names.Add(property.GetColumnName());
            var ordinal = Expression.Add(offset, Expression.Constant(i));
            body.Add(Expression.IfThen(
                Expression.Not(Expression.Call(reader, nameof(DbDataReader.IsDBNull), null, ordinal)),
                Expression.Assign(Expression.Property(record, clrProperty), Value(property, clrProperty.PropertyType, reader, ordinal))));
        }

        body.Add(record);
        var read = Expression.Lambda<Func<DbDataReader, int, object>>(Expression.Block(typeof(object), [record], body), reader, offset).Compile();
        return new RecordColumns(names, read);
    }

    /// <summary><c>reader.GetFieldValue&lt;TProvider&gt;(ordinal)</c>, through the property's value converter if it has one.</summary>
    private static Expression Value(IProperty property, Type propertyType, ParameterExpression reader, Expression ordinal)
    {
        var mapping = property.GetRelationalTypeMapping();
        var converter = property.GetValueConverter() ?? mapping.Converter;
        var provider = converter?.ProviderClrType ?? mapping.ClrType;
        var stored = Nullable.GetUnderlyingType(provider) ?? provider;
        Expression value = Expression.Call(reader, nameof(DbDataReader.GetFieldValue), [stored], ordinal);
        if (converter is not null)
        {
            var fromProvider = converter.ConvertFromProviderExpression;
            value = Convert(ParameterRebinder.Rebind(fromProvider, Convert(value, fromProvider.Parameters[0].Type)), fromProvider.ReturnType);
        }

        return Convert(value, propertyType);
    }

    private static Expression Convert(Expression value, Type type) => value.Type == type ? value : Expression.Convert(value, type);
}
