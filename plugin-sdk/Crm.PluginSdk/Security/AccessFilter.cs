using System.Linq.Expressions;
using Crm.PluginSdk.Querying;

namespace Crm.PluginSdk.Security;

/// <summary>
/// Turns an actor's rights for one action on one record type into a predicate over its records:
/// the same expression narrows every query (so lists are filtered before paging, and totals and
/// cursors never count hidden records) and, compiled, checks a record about to be written.
/// </summary>
public static class AccessFilter
{
    /// <summary>
    /// The records the actor reaches; null when they reach all of them. <paramref name="partition"/>
    /// is the field that divides the type's rights (a deal's pipeline), if any.
    /// </summary>
    public static Expression<Func<TRecord, bool>>? For<TRecord>(AccessRights rights, string entityType, PermissionAction action, LambdaExpression? partition)
    {
        if (rights.IsAdministrator)
        {
            return null;
        }

        var record = Expression.Parameter(typeof(TRecord), "record");
        var typeLevel = rights.Level(entityType, action);
        var partitions = partition is null ? [] : rights.Partitions(entityType, action);
        if (partitions.Count == 0)
        {
            return typeLevel == PermissionLevel.All ? null : Expression.Lambda<Func<TRecord, bool>>(Reach(rights, typeLevel, record), record);
        }

        // Each partition a role names has its own level; the others have the type's.
        var key = ParameterRebinder.Rebind(partition!, record);
        var values = partitions.Select(p => ConvertPartition(p, key.Type)).ToList();
        Expression body = Expression.AndAlso(Expression.Not(In(key, values)), Reach(rights, typeLevel, record));
        for (var i = 0; i < partitions.Count; i++)
        {
            var level = rights.Level(entityType, action, partitions[i]);
            body = Expression.OrElse(Expression.AndAlso(Expression.Equal(key, Parameter.Of(values[i], key.Type)), Reach(rights, level, record)), body);
        }

        return Expression.Lambda<Func<TRecord, bool>>(body, record);
    }

    /// <summary>Whether the actor reaches every record of the type for the action (then a missing record is simply not there).</summary>
    public static bool ReachesAll(AccessRights rights, string entityType, PermissionAction action, LambdaExpression? partition) =>
        rights.IsAdministrator
        || (rights.Level(entityType, action) == PermissionLevel.All
            && (partition is null || rights.Partitions(entityType, action).All(p => rights.Level(entityType, action, p) == PermissionLevel.All)));

    /// <summary>Whether the actor reaches no record of the type at all for the action.</summary>
    public static bool ReachesNone(AccessRights rights, string entityType, PermissionAction action) =>
        !rights.IsAdministrator
        && rights.Level(entityType, action) == PermissionLevel.None
        && rights.Partitions(entityType, action).All(p => rights.Level(entityType, action, p) == PermissionLevel.None);

    private static Expression Reach(AccessRights rights, PermissionLevel level, ParameterExpression record)
    {
        if (level == PermissionLevel.All)
        {
            return Expression.Constant(true);
        }

        if (level == PermissionLevel.None || !typeof(IOwnedRecord).IsAssignableFrom(record.Type))
        {
            // A type without assignees has nothing between none and all.
            return Expression.Constant(false);
        }

        var assignee = Expression.Property(record, record.Type.GetProperty(nameof(IOwnedRecord.AssignedById))!);
        var users = rights.Assignees(level)!.ToList();
        // A list of long, not long?: EF would otherwise add a clause for a null in the list.
        Expression reach = Expression.AndAlso(
            Expression.NotEqual(assignee, Expression.Constant(null, typeof(long?))),
            Expression.Call(Parameter.Of(users, typeof(List<long>)), typeof(List<long>).GetMethod(nameof(List<long>.Contains))!, Expression.Property(assignee, nameof(Nullable<long>.Value))));
        if (level == PermissionLevel.Open)
        {
            reach = Expression.OrElse(reach, Expression.Property(record, record.Type.GetProperty(nameof(IOwnedRecord.Opened))!));
        }

        return reach;
    }

    private static Expression In(Expression key, IReadOnlyList<object> values)
    {
        var listType = typeof(List<>).MakeGenericType(key.Type);
        var list = (System.Collections.IList)Activator.CreateInstance(listType)!;
        foreach (var value in values)
        {
            list.Add(value);
        }

        return Expression.Call(Parameter.Of(list, listType), listType.GetMethod("Contains")!, key);
    }

    private static object ConvertPartition(string partition, Type type) =>
        Convert.ChangeType(partition, Nullable.GetUnderlyingType(type) ?? type, System.Globalization.CultureInfo.InvariantCulture);
}
