using System.Globalization;
using System.Text;
using Crm.Modules.Duplicates.Data;
using Crm.Modules.Duplicates.Keys;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Duplicates.Finding;

/// <summary>A group of likely duplicates: the records (at most the page's per-group bound) sharing one key.</summary>
public sealed record DuplicateGroup(string EntityType, string Key, int Count, IReadOnlyList<long> Ids);

/// <summary>A page of groups, in key order.</summary>
public sealed record DuplicateGroupPage(IReadOnlyList<DuplicateGroup> Groups, bool HasNextPage, string? EndCursor);

/// <summary>
/// Groups of records of one type sharing a key under one rule, among the records the caller may
/// read, read from the key table's primary index in key order: one statement for the page's
/// groups (counted), one for their members, whatever the page's size.
/// </summary>
internal sealed class DuplicateFinder(DuplicatesDbContext db)
{
    public sealed class GroupRow
    {
        public string Key { get; set; } = "";

        public int Count { get; set; }
    }

    public async Task<DuplicateGroupPage> FindAsync(IServiceProvider services, ICrmEntityDefinition definition, MatchRule rule, int first, string? after, int perGroup, CancellationToken cancellationToken)
    {
        var table = KeyTable.Name(services, db);
        var parameters = new List<object> { definition.Name, rule.Code() };
        var readable = ReadableCondition(services, definition, "crm_k.record_id", parameters);
        if (readable is null)
        {
            return new DuplicateGroupPage([], false, null);
        }

        var from = after is null ? "" : $" AND crm_k.key > {Placeholder(parameters, after)}";
        var groupsSql = $"SELECT crm_k.key AS \"Key\", CAST(COUNT(*) AS INTEGER) AS \"Count\" FROM {table} AS crm_k "
            + $"WHERE crm_k.entity_type = {{0}} AND crm_k.rule = {{1}}{from}{readable} GROUP BY crm_k.key HAVING COUNT(*) > 1 ORDER BY crm_k.key LIMIT {(first + 1).ToString(CultureInfo.InvariantCulture)}";
#pragma warning disable EF1002 // names from the model; values as parameters
        var groups = await db.Database.SqlQueryRaw<GroupRow>(groupsSql, [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
        var hasNext = groups.Count > first;
        groups = groups.Take(first).ToList();
        if (groups.Count == 0)
        {
            return new DuplicateGroupPage([], false, null);
        }

        parameters = [definition.Name, rule.Code()];
        var keys = string.Join(", ", groups.Select(g => Placeholder(parameters, g.Key)));
        readable = ReadableCondition(services, definition, "crm_k.record_id", parameters);
        var membersSql = $"SELECT crm_m.record_id AS \"RecordId\", crm_m.rule AS \"Rule\", crm_m.key AS \"Key\" FROM ("
            + $"SELECT crm_k.record_id, crm_k.rule, crm_k.key, ROW_NUMBER() OVER (PARTITION BY crm_k.key ORDER BY crm_k.record_id) AS crm_n FROM {table} AS crm_k "
            + $"WHERE crm_k.entity_type = {{0}} AND crm_k.rule = {{1}} AND crm_k.key IN ({keys}){readable}) AS crm_m "
            + $"WHERE crm_m.crm_n <= {perGroup.ToString(CultureInfo.InvariantCulture)} ORDER BY crm_m.key, crm_m.record_id";
#pragma warning disable EF1002
        var members = (await db.Database.SqlQueryRaw<KeyTable.KeyRow>(membersSql, [.. parameters]).ToListAsync(cancellationToken)).ToLookup(m => m.Key, m => m.RecordId);
#pragma warning restore EF1002
        return new DuplicateGroupPage(
            groups.Select(g => new DuplicateGroup(definition.Name, g.Key, g.Count, members[g.Key].ToList())).ToList(),
            hasNext,
            Cursor(groups[^1].Key));
    }

    /// <summary>
    /// " AND (the record is readable)" for the key row's record at <paramref name="idSql"/>; "" when the
    /// reader reaches every record (a key's record always exists: keys go with it); null when none.
    /// </summary>
    public static string? ReadableCondition(IServiceProvider services, ICrmEntityDefinition definition, string idSql, List<object> parameters)
    {
        if (definition.ReachesAll(services, PermissionAction.Read))
        {
            return "";
        }

        return definition.ReadableSql(services, PermissionAction.Read, "crm_r", idSql, parameters) is { } condition ? " AND " + condition : null;
    }

    public static string Cursor(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    public static string? ParseCursor(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Placeholder(List<object> parameters, object value)
    {
        parameters.Add(value);
        return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }
}
