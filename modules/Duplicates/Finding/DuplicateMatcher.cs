using System.Globalization;
using Crm.Modules.Duplicates.Data;
using Crm.Modules.Duplicates.Keys;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates.Finding;

/// <summary>The SDK's <see cref="IDuplicateMatcher"/> from the key table: one statement per lookup, within the actor's read rights.</summary>
internal sealed class DuplicateMatcher(DuplicatesDbContext db) : IDuplicateMatcher
{
    public IReadOnlyList<string> RulesOf(IServiceProvider services, string entityType) =>
        MatchKeys.For(services.GetRequiredService<IEntityRegistry>().Find(entityType), services)?.Rules.Select(r => r.GraphName()).ToList() ?? [];

    public async Task<IReadOnlyList<long>> FindAsync(IServiceProvider services, string entityType, string rule, IReadOnlyDictionary<string, object?> input, int max,
        CancellationToken cancellationToken)
    {
        var matchRule = MatchRules.All.FirstOrDefault(r => r.GraphName() == rule);
        if (services.GetRequiredService<IEntityRegistry>().Find(entityType) is not ICrmEntityDefinition definition
            || MatchKeys.For(definition, services) is not { } keys || !keys.Rules.Contains(matchRule) || matchRule.GraphName() != rule)
        {
            return [];
        }

        var values = keys.KeysOfInput(input, matchRule);
        if (values.Count == 0)
        {
            return [];
        }

        var parameters = new List<object> { definition.Name, matchRule.Code() };
        var list = string.Join(", ", values.Select(v =>
        {
            parameters.Add(v);
            return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
        }));
        var readable = DuplicateFinder.ReadableCondition(services, definition, "crm_k.record_id", parameters);
        if (readable is null)
        {
            return [];
        }

        var sql = $"SELECT DISTINCT crm_k.record_id AS \"Value\" FROM {KeyTable.Name(services, db)} AS crm_k "
            + $"WHERE crm_k.entity_type = {{0}} AND crm_k.rule = {{1}} AND crm_k.key IN ({list}){readable} ORDER BY crm_k.record_id LIMIT {Math.Max(1, max).ToString(CultureInfo.InvariantCulture)}";
#pragma warning disable EF1002 // names from the model; values as parameters
        return await db.Database.SqlQueryRaw<long>(sql, [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }
}
