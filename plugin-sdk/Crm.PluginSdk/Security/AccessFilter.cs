using System.Linq.Expressions;
using Crm.PluginSdk.Querying;

namespace Crm.PluginSdk.Security;

/// <summary>
/// Turns an actor's rights for one action on one record type into a predicate over its records:
/// the same expression narrows every query (so lists are filtered before paging, and totals and
/// cursors never count hidden records) and, compiled, checks a record about to be written.
/// </summary>
internal static class AccessFilter
{
    /// <summary>
    /// The records the actor reaches; null when they reach all of them. <paramref name="partitions"/>
    /// are the fields that divide the type's rights, coarsest first (a deal's pipeline, then its
    /// stage); empty when the type is not divided.
    /// </summary>
    public static Expression<Func<TRecord, bool>>? For<TRecord>(AccessRights rights, string entityType, PermissionAction action, IReadOnlyList<LambdaExpression> partitions)
    {
        if (rights.IsAdministrator)
        {
            return null;
        }

        var record = Expression.Parameter(typeof(TRecord), "record");
        var typeLevel = rights.Level(entityType, action);
        var named = partitions.Count == 0
            ? []
            : rights.Partitions(entityType, action).Where(p => p.Split('/').Length <= partitions.Count).ToList();
        if (named.Count == 0)
        {
            return typeLevel == PermissionLevel.All ? null : Expression.Lambda<Func<TRecord, bool>>(Reach(rights, typeLevel, record), record);
        }

        // A record takes the level of the most specific partition a role names that it is in
        // ("3/C3:WON" before "3"), else the type's.
        var matches = named.ToDictionary(key => key, key => Match(key, partitions, record), StringComparer.Ordinal);
        // Balanced ORs: a role may name hundreds of stages, and a chain that long is too deep for EF and SQLite.
        var inNone = Expression.Not(ExpressionFold.Balanced(matches.Values.ToList(), Expression.OrElse, Expression.Constant(false)));
        var branches = new List<Expression> { Expression.AndAlso(inNone, Reach(rights, typeLevel, record)) };
        foreach (var (key, match) in matches)
        {
            var finer = matches.Where(m => m.Key.StartsWith(key + "/", StringComparison.Ordinal)).Select(m => m.Value).ToList();
            var exactly = finer.Count == 0 ? match : Expression.AndAlso(match, Expression.Not(ExpressionFold.Balanced(finer, Expression.OrElse, Expression.Constant(false))));
            branches.Add(Expression.AndAlso(exactly, Reach(rights, rights.Level(entityType, action, key), record)));
        }

        return Expression.Lambda<Func<TRecord, bool>>(ExpressionFold.Balanced(branches, Expression.OrElse, Expression.Constant(false)), record);
    }

    /// <summary>Whether a record is in a partition: each of its partition fields equals the key's part.</summary>
    private static Expression Match(string key, IReadOnlyList<LambdaExpression> partitions, ParameterExpression record)
    {
        Expression match = Expression.Constant(true);
        var parts = key.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var field = ParameterRebinder.Rebind(partitions[i], record);
            if (!TryConvert(parts[i], field.Type, out var value))
            {
                // A partition no record can be in (say "x" for a numeric pipeline id).
                return Expression.Constant(false);
            }

            match = Expression.AndAlso(match, Expression.Equal(field, Parameter.Of(value, field.Type)));
        }

        return match;
    }

    private static bool TryConvert(string part, Type type, out object? value)
    {
        try
        {
            value = Convert.ChangeType(part, Nullable.GetUnderlyingType(type) ?? type, System.Globalization.CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException)
        {
            value = null;
            return false;
        }
    }

    /// <summary>Whether the actor reaches every record of the type for the action (then a missing record is simply not there).</summary>
    public static bool ReachesAll(AccessRights rights, string entityType, PermissionAction action, IReadOnlyList<LambdaExpression> partitions) =>
        rights.IsAdministrator
        || (rights.Level(entityType, action) == PermissionLevel.All
            && (partitions.Count == 0 || rights.Partitions(entityType, action).All(p => rights.Level(entityType, action, p) == PermissionLevel.All)));

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
}
