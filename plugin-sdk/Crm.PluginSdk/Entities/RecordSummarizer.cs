using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// A record type's summary: the records a list with the same filter and search would page through,
/// grouped by up to <see cref="SummaryLimits.MaxGroupFields"/> fields, each group counted and some
/// of its numeric fields added up, in one statement (a GROUP BY built from the fields' accessors,
/// so custom fields and the actor's rights take part exactly as in the list).
/// </summary>
internal sealed class RecordSummarizer<TRecord, TContext>(
    CrmEntityDefinition<TRecord, TContext> definition, RecordReader<TRecord, TContext> reader, RecordAccess<TRecord> access, FormerFieldNames formerNames)
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    private static readonly MethodInfo[] EnumerableSums = [.. typeof(Enumerable).GetMethods()
        .Where(m => m.Name == nameof(Enumerable.Sum) && m.IsGenericMethodDefinition && m.GetParameters().Length == 2)];

    private static readonly MethodInfo EnumerableCount = typeof(Enumerable).GetMethods()
        .Single(m => m.Name == nameof(Enumerable.Count) && m.GetParameters().Length == 1).MakeGenericMethod(typeof(TRecord));

    /// <summary>Whether a summary may group by the field: one value per record that can be compared (what may be sorted by).</summary>
    public static bool Groupable(EntityField field) => field.Sortable;

    /// <summary>Whether a summary may add the field up: a single number.</summary>
    public static bool Summable(EntityField field) =>
        field.Kind is FieldKind.Int or FieldKind.Long or FieldKind.Decimal && field.Custom is not { Multiple: true };

    public async Task<RecordSummary> SummarizeAsync(IServiceProvider services, SummaryArguments arguments, CancellationToken cancellationToken)
    {
        var plural = definition.PluralName;
        if (arguments.GroupBy.Count == 0)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, "'groupBy' needs at least one field.");
        }

        if (arguments.GroupBy.Count > SummaryLimits.MaxGroupFields)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'groupBy' names {arguments.GroupBy.Count} fields; a summary groups by at most {SummaryLimits.MaxGroupFields}.");
        }

        if (arguments.Sum.Count > SummaryLimits.MaxSumFields)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'sum' names {arguments.Sum.Count} fields; a summary adds up at most {SummaryLimits.MaxSumFields}.");
        }

        var first = services.GetRequiredService<QueryLimits>().PageSize(arguments.First);
        var fields = definition.FieldsOf(services);
        var groupFields = Resolve([.. arguments.GroupBy.Select(formerNames.CurrentName)], fields, "groupBy", Groupable, $"is not a field {plural} can be grouped by");
        var sumFields = Resolve([.. arguments.Sum.Select(formerNames.CurrentName)], fields, "sum", Summable, $"is not a number field of {plural}");

        if (access.ReachesNothing(services, PermissionAction.Read))
        {
            throw ErrorCodes.Error(ErrorCodes.Forbidden, Refusals.MayNotAny("read", plural));
        }

        var where = arguments.Where is null ? null : formerNames.WithCurrentNames(new ListArguments(arguments.Where, null, null, null, null, null)).Where;
        var query = reader.Filtered(services, where, arguments.Search);
        var rows = await Grouped(query, groupFields, sumFields).Take(first + 1).ToListAsync(cancellationToken);
        var groups = rows.Take(first).Select(row => new SummaryGroup(
            [.. groupFields.Select((_, i) => Text(i == 0 ? row.Key1 : row.Key2))],
            row.Count,
            [.. sumFields.Select((f, i) => new SummarySum(f.Name, Amount(row.Sum(i))))])).ToList();
        return new RecordSummary(groups, rows.Count > first);
    }

    private static List<EntityField> Resolve(IReadOnlyList<string> names, IReadOnlyDictionary<string, EntityField> fields, string argument, Func<EntityField, bool> fits, string problem)
    {
        var resolved = new List<EntityField>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            if (!fields.TryGetValue(names[i], out var field) || !fits(field))
            {
                throw ErrorCodes.Error(ErrorCodes.Validation, $"'{argument}[{i}]': '{names[i]}' {problem}.");
            }

            resolved.Add(field);
        }

        return resolved;
    }

    /// <summary>
    /// <c>GROUP BY key1, key2</c> with the count and sums, the largest groups first (then by key): a
    /// second key repeats the first when there is one only, and a sum left unused counts again, so
    /// that one row shape serves every summary.
    /// </summary>
    private IQueryable<ISummaryRow> Grouped(IQueryable<TRecord> query, List<EntityField> groupFields, List<EntityField> sumFields)
    {
        var record = Expression.Parameter(typeof(TRecord), "record");
        var key1 = Nullable(ParameterRebinder.Rebind(groupFields[0].Accessor, record));
        var key2 = groupFields.Count > 1 ? Nullable(ParameterRebinder.Rebind(groupFields[1].Accessor, record)) : key1;
        var keyType = typeof(SummaryKey<,>).MakeGenericType(key1.Type, key2.Type);
        var keySelector = Expression.Lambda(
            Expression.MemberInit(Expression.New(keyType), Expression.Bind(keyType.GetProperty("K1")!, key1), Expression.Bind(keyType.GetProperty("K2")!, key2)),
            record);
        var groupingType = typeof(IGrouping<,>).MakeGenericType(keyType, typeof(TRecord));
        var group = Expression.Parameter(groupingType, "group");
        var count = Expression.Call(EnumerableCount, group);
        var sums = new Expression[SummaryLimits.MaxSumFields];
        for (var i = 0; i < sums.Length; i++)
        {
            sums[i] = i < sumFields.Count ? SumOf(group, sumFields[i]) : count;
        }

        var rowType = typeof(SummaryRow<,,,,,>).MakeGenericType([key1.Type, key2.Type, .. sums.Select(s => s.Type)]);
        var groupKey = Expression.Property(group, "Key");
        var row = Expression.MemberInit(Expression.New(rowType),
        [
            Expression.Bind(rowType.GetProperty("K1")!, Expression.Property(groupKey, "K1")),
            Expression.Bind(rowType.GetProperty("K2")!, Expression.Property(groupKey, "K2")),
            Expression.Bind(rowType.GetProperty(nameof(ISummaryRow.Count))!, count),
            .. sums.Select((sum, i) => Expression.Bind(rowType.GetProperty($"S{i + 1}")!, sum)),
        ]);

        var grouped = Expression.Call(typeof(Queryable), nameof(Queryable.GroupBy), [typeof(TRecord), keyType], query.Expression, Expression.Quote(keySelector));
        var selected = Expression.Call(typeof(Queryable), nameof(Queryable.Select), [groupingType, rowType], grouped, Expression.Quote(Expression.Lambda(row, group)));
        var rows = Expression.Parameter(rowType, "row");
        var ordered = Expression.Call(typeof(Queryable), nameof(Queryable.OrderByDescending), [rowType, typeof(int)], selected,
            Expression.Quote(Expression.Lambda(Expression.Property(rows, nameof(ISummaryRow.Count)), rows)));
        ordered = Expression.Call(typeof(Queryable), nameof(Queryable.ThenBy), [rowType, key1.Type], ordered, Expression.Quote(Expression.Lambda(Expression.Property(rows, "K1"), rows)));
        if (groupFields.Count > 1)
        {
            ordered = Expression.Call(typeof(Queryable), nameof(Queryable.ThenBy), [rowType, key2.Type], ordered, Expression.Quote(Expression.Lambda(Expression.Property(rows, "K2"), rows)));
        }

        return (IQueryable<ISummaryRow>)query.Provider.CreateQuery(ordered);
    }

    /// <summary><c>group.Sum(record =&gt; (T?)field)</c>, in the field's own numeric type.</summary>
    private static MethodCallExpression SumOf(ParameterExpression group, EntityField field)
    {
        var record = Expression.Parameter(typeof(TRecord), "summed");
        var value = Nullable(ParameterRebinder.Rebind(field.Accessor, record));
        var sum = EnumerableSums.Single(m => m.GetParameters()[1].ParameterType.GetGenericArguments()[1] == value.Type).MakeGenericMethod(typeof(TRecord));
        return Expression.Call(sum, group, Expression.Lambda(value, record));
    }

    private static Expression Nullable(Expression value) =>
        value.Type.IsValueType && System.Nullable.GetUnderlyingType(value.Type) is null
            ? Expression.Convert(value, typeof(Nullable<>).MakeGenericType(value.Type))
            : value;

    private static decimal? Amount(object? sum) => sum switch
    {
        null => null,
        double number => (decimal)number,
        _ => Convert.ToDecimal(sum, CultureInfo.InvariantCulture),
    };

    /// <summary>A grouped value as text, as GraphQL writes it (ids and numbers invariant, dates ISO 8601).</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        string text => text,
        bool flag => flag ? "true" : "false",
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

/// <summary>A group's key in the GROUP BY (a class with settable members, which EF Core translates).</summary>
internal sealed class SummaryKey<T1, T2>
{
    public T1 K1 { get; set; } = default!;

    public T2 K2 { get; set; } = default!;
}

/// <summary>One row of a summary statement, read without knowing its generic types.</summary>
internal interface ISummaryRow
{
    object? Key1 { get; }

    object? Key2 { get; }

    int Count { get; }

    object? Sum(int index);
}

internal sealed class SummaryRow<T1, T2, TS1, TS2, TS3, TS4> : ISummaryRow
{
    public T1 K1 { get; set; } = default!;

    public T2 K2 { get; set; } = default!;

    public int Count { get; set; }

    public TS1 S1 { get; set; } = default!;

    public TS2 S2 { get; set; } = default!;

    public TS3 S3 { get; set; } = default!;

    public TS4 S4 { get; set; } = default!;

    public object? Key1 => K1;

    public object? Key2 => K2;

    public object? Sum(int index) => index switch { 0 => S1, 1 => S2, 2 => S3, _ => S4 };
}
