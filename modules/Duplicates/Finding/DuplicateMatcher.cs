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

    /// <summary>Keys looked up by one statement of <see cref="FindManyAsync"/> on SQLite (PostgreSQL takes them as one array).</summary>
    private const int MaxKeysPerStatement = 500;

    public IReadOnlyCollection<string> KeysOf(IServiceProvider services, string entityType, string rule, IReadOnlyDictionary<string, object?> input) =>
        Rule(services, entityType, rule) is { } known ? known.Keys.KeysOfInput(input, known.Rule) : [];

    public async Task<IReadOnlyList<IReadOnlyList<long>>> FindManyAsync(IServiceProvider services, string entityType, string rule, IReadOnlyList<IReadOnlyDictionary<string, object?>> inputs, int max,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (Rule(services, entityType, rule) is not { } known)
        {
            return inputs.Select(_ => (IReadOnlyList<long>)[]).ToList();
        }

        var (definition, keys, matchRule) = known;

        var keysOf = inputs.Select(input => keys.KeysOfInput(input, matchRule)).ToList();
        var distinct = keysOf.SelectMany(k => k).Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return inputs.Select(_ => (IReadOnlyList<long>)[]).ToList();
        }

        // The first records of each key by id are enough: an input's first matches are among its keys' first.
        var found = db.IsPostgres
            ? await KeyTable.FirstOfEachOnPostgresAsync(services, db, definition, distinct.Select(k => (matchRule.Code(), k)).ToList(), Math.Max(1, max), cancellationToken)
            : await FirstOfEachOnSqliteAsync(services, definition, matchRule, distinct, max, cancellationToken);
        if (found is null)
        {
            return inputs.Select(_ => (IReadOnlyList<long>)[]).ToList();
        }

        var byKey = found.ToLookup(f => f.Key, f => f.RecordId, StringComparer.Ordinal);
        return keysOf.Select(k => (IReadOnlyList<long>)k.SelectMany(key => byKey[key]).Distinct().Order().Take(Math.Max(1, max)).ToList()).ToList();
    }

    /// <summary>SQLite: as <see cref="KeyTable.FirstOfEachOnPostgresAsync"/>, a statement per chunk of keys given one by one.</summary>
    private async Task<List<KeyTable.KeyRow>?> FirstOfEachOnSqliteAsync(IServiceProvider services, ICrmEntityDefinition definition, MatchRule matchRule, List<string> keys, int max,
        CancellationToken cancellationToken)
    {
        var found = new List<KeyTable.KeyRow>();
        foreach (var chunk in keys.Chunk(MaxKeysPerStatement))
        {
            var parameters = new List<object> { definition.Name, matchRule.Code(), (long)Math.Max(1, max) };
            var list = string.Join(", ", chunk.Select(v => Placeholder(parameters, v)));
            var readable = DuplicateFinder.ReadableCondition(services, definition, "crm_k.record_id", parameters);
            if (readable is null)
            {
                return null;
            }

            var sql = "SELECT crm_m.record_id AS \"RecordId\", crm_m.rule AS \"Rule\", crm_m.key AS \"Key\" FROM ("
                + $"SELECT crm_k.record_id, crm_k.rule, crm_k.key, ROW_NUMBER() OVER (PARTITION BY crm_k.key ORDER BY crm_k.record_id) AS crm_n FROM {KeyTable.Name(services, db)} AS crm_k "
                + $"WHERE crm_k.entity_type = {{0}} AND crm_k.rule = {{1}} AND crm_k.key IN ({list}){readable}) AS crm_m WHERE crm_m.crm_n <= {{2}}";
#pragma warning disable EF1002 // names from the model; values as parameters
            found.AddRange(await db.Database.SqlQueryRaw<KeyTable.KeyRow>(sql, [.. parameters]).ToListAsync(cancellationToken));
#pragma warning restore EF1002
        }

        return found;
    }

    /// <summary>The type and its rule by their names, when the type has keys under that rule.</summary>
    private static (ICrmEntityDefinition Definition, MatchKeys Keys, MatchRule Rule)? Rule(IServiceProvider services, string entityType, string rule)
    {
        var matchRule = MatchRules.All.FirstOrDefault(r => r.GraphName() == rule);
        return services.GetRequiredService<IEntityRegistry>().Find(entityType) is ICrmEntityDefinition definition
            && MatchKeys.For(definition, services) is { } keys && keys.Rules.Contains(matchRule) && matchRule.GraphName() == rule
                ? (definition, keys, matchRule)
                : null;
    }

    private static string Placeholder(List<object> parameters, object value)
    {
        parameters.Add(value);
        return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }

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

        // Gathered, then ordered and cut (see DuplicateCheck.CheckAsync).
        var sql = $"WITH crm_f AS MATERIALIZED (SELECT DISTINCT crm_k.record_id FROM {KeyTable.Name(services, db)} AS crm_k "
            + $"WHERE crm_k.entity_type = {{0}} AND crm_k.rule = {{1}} AND crm_k.key IN ({list}){readable}) "
            + $"SELECT record_id AS \"Value\" FROM crm_f ORDER BY record_id LIMIT {Math.Max(1, max).ToString(CultureInfo.InvariantCulture)}";
#pragma warning disable EF1002 // names from the model; values as parameters
        return await db.Database.SqlQueryRaw<long>(sql, [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }
}
