using System.Globalization;
using Crm.Modules.Duplicates.Data;
using Crm.Modules.Duplicates.Keys;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Duplicates.Finding;

/// <summary>
/// After a create, or an update that gave its record keys it did not have, looks for other
/// records of the type with those keys that the writer may read, and warns of them or refuses
/// the write (<see cref="DuplicatesOptions"/>). Refusing is exact under concurrent writers: on
/// PostgreSQL the check holds a transaction lock per key, so of two writers of the same new key
/// the second checks after the first committed and sees it; SQLite has one writer at a time.
/// </summary>
internal sealed class DuplicateCheck(AddedKeys added, DuplicatesDbContext db, IOptionsMonitor<DuplicatesOptions> options) : IRecordWriteCheck
{
    public const string Duplicate = "DUPLICATE";

    /// <summary>Matching records named per rule in a warning or refusal.</summary>
    public const int MaxNamed = 20;

    /// <summary>Keys looked up by one statement of a bulk create's check on SQLite (PostgreSQL takes them as arrays): parameters stay far below its bound.</summary>
    private const int MaxKeysPerStatement = 500;

    public async Task<RecordWriteVerdict> CheckAsync(IServiceProvider services, ICrmEntityDefinition definition, ICrmRecord record, bool isCreate, CancellationToken cancellationToken)
    {
        var keys = added.Take(definition.Name, record.Id);
        var mode = options.CurrentValue.ModeFor(definition.Name);
        if (keys.Count == 0 || mode == DuplicateMode.Off)
        {
            return RecordWriteVerdict.None;
        }

        var table = KeyTable.Name(services, db);
        if (mode == DuplicateMode.Refuse && db.IsPostgres)
        {
            await LockAsync(definition, keys, cancellationToken);
        }

        var parameters = new List<object> { definition.Name, record.Id };
        var matches = string.Join(" OR ", keys.Select(k => $"(crm_k.rule = {Placeholder(parameters, k.Rule.Code())} AND crm_k.key = {Placeholder(parameters, k.Key)})"));
        var readable = DuplicateFinder.ReadableCondition(services, definition, "crm_k.record_id", parameters);
        if (readable is null)
        {
            return RecordWriteVerdict.None;
        }

        // The matches are gathered first (a materialised CTE) and only then ordered and cut: with the
        // limit in the same query, a planner whose statistics are stale walks the type's keys in
        // record order instead of looking the few keys up.
        var sql = $"WITH crm_f AS MATERIALIZED (SELECT crm_k.record_id, crm_k.rule, crm_k.key FROM {table} AS crm_k "
            + $"WHERE crm_k.entity_type = {{0}} AND crm_k.record_id <> {{1}} AND ({matches}){readable}) "
            + $"SELECT record_id AS \"RecordId\", rule AS \"Rule\", key AS \"Key\" FROM crm_f ORDER BY record_id LIMIT {(MaxNamed * keys.Count).ToString(CultureInfo.InvariantCulture)}";
#pragma warning disable EF1002 // names from the model; values as parameters
        var found = await db.Database.SqlQueryRaw<KeyTable.KeyRow>(sql, [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
        return Verdict(definition, mode, found);
    }

    public async Task<IReadOnlyList<RecordWriteVerdict>> CheckCreatedAsync(IServiceProvider services, ICrmEntityDefinition definition, IReadOnlyList<ICrmRecord> records,
        CancellationToken cancellationToken)
    {
        var keysOf = records.Select(r => added.Take(definition.Name, r.Id)).ToList();
        var verdicts = records.Select(_ => RecordWriteVerdict.None).ToArray();
        var mode = options.CurrentValue.ModeFor(definition.Name);
        if (mode == DuplicateMode.Off || keysOf.All(k => k.Count == 0))
        {
            return verdicts;
        }

        var distinct = keysOf.SelectMany(k => k).Distinct().ToList();
        if (mode == DuplicateMode.Refuse && db.IsPostgres)
        {
            await LockAsync(definition, distinct, cancellationToken);
        }

        var found = await MatchesAsync(services, definition, distinct, perKey: (MaxNamed * keysOf.Max(k => k.Count)) + records.Count, cancellationToken);
        if (found is null || found.Count == 0)
        {
            return verdicts;
        }

        // Each record is judged as if created alone after the ones before it: the later ones of the
        // set were not there yet, and the earlier ones refused are not there at all.
        var absent = records.Select(r => r.Id).ToHashSet();
        var byKey = found.ToLookup(f => (f.Rule, f.Key));
        for (var i = 0; i < records.Count; i++)
        {
            absent.Remove(records[i].Id);
            var keys = keysOf[i];
            if (keys.Count == 0)
            {
                continue;
            }

            // As CheckAsync's statement reads them: the first rows by record id, as many per key as it names.
            var rows = keys.SelectMany(k => byKey[(k.Rule.Code(), k.Key)])
                .Where(f => f.RecordId != records[i].Id && !absent.Contains(f.RecordId))
                .OrderBy(f => f.RecordId)
                .Take(MaxNamed * keys.Count)
                .ToList();
            verdicts[i] = Verdict(definition, mode, rows);
            if (verdicts[i].Refusals.Count > 0)
            {
                absent.Add(records[i].Id);
            }
        }

        return verdicts;
    }

    /// <summary>One transaction lock per key (sorted: two writers never wait on each other crosswise), so that of two writers of a new key the second checks after the first.</summary>
    private async Task LockAsync(ICrmEntityDefinition definition, IEnumerable<(MatchRule Rule, string Key)> keys, CancellationToken cancellationToken)
    {
        // The names as one array, locked in its order: one statement text whatever their number.
        var names = keys.Select(k => definition.Name + "\n" + k.Rule.Code() + "\n" + k.Key).Distinct().Order(StringComparer.Ordinal).ToArray();
        await db.Database.ExecuteSqlRawAsync(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(crm_l.name, 0))) FROM (SELECT u.name FROM unnest({0}::text[]) WITH ORDINALITY AS u(name, n) ORDER BY u.n) AS crm_l",
            [names], cancellationToken);
    }

    /// <summary>
    /// The key rows of readable records of the type under <paramref name="keys"/>, the first
    /// <paramref name="perKey"/> of each key by record id; null when the actor reads none.
    /// </summary>
    private async Task<List<KeyTable.KeyRow>?> MatchesAsync(IServiceProvider services, ICrmEntityDefinition definition, List<(MatchRule Rule, string Key)> keys, int perKey,
        CancellationToken cancellationToken)
    {
        if (db.IsPostgres)
        {
            return await KeyTable.FirstOfEachOnPostgresAsync(services, db, definition, keys.Select(k => (k.Rule.Code(), k.Key)).ToList(), perKey, cancellationToken);
        }

        var table = KeyTable.Name(services, db);
        var found = new List<KeyTable.KeyRow>();
        foreach (var chunk in keys.Chunk(MaxKeysPerStatement))
        {
            var parameters = new List<object> { definition.Name };
            var matches = string.Join(" OR ", chunk.GroupBy(k => k.Rule).Select(rule =>
                $"(crm_k.rule = {Placeholder(parameters, rule.Key.Code())} AND crm_k.key IN ({string.Join(", ", rule.Select(k => Placeholder(parameters, k.Key)))}))"));
            var readable = DuplicateFinder.ReadableCondition(services, definition, "crm_k.record_id", parameters);
            if (readable is null)
            {
                return null;
            }

            var sql = "SELECT crm_m.record_id AS \"RecordId\", crm_m.rule AS \"Rule\", crm_m.key AS \"Key\" FROM ("
                + $"SELECT crm_k.record_id, crm_k.rule, crm_k.key, ROW_NUMBER() OVER (PARTITION BY crm_k.rule, crm_k.key ORDER BY crm_k.record_id) AS crm_n FROM {table} AS crm_k "
                + $"WHERE crm_k.entity_type = {{0}} AND ({matches}){readable}) AS crm_m WHERE crm_m.crm_n <= {perKey.ToString(CultureInfo.InvariantCulture)}";
#pragma warning disable EF1002 // names from the model; values as parameters
            found.AddRange(await db.Database.SqlQueryRaw<KeyTable.KeyRow>(sql, [.. parameters]).ToListAsync(cancellationToken));
#pragma warning restore EF1002
        }

        return found;
    }

    /// <summary>The warnings (or, refusing, the refusals) of the matching key rows found for one record.</summary>
    private static RecordWriteVerdict Verdict(ICrmEntityDefinition definition, DuplicateMode mode, List<KeyTable.KeyRow> found)
    {
        if (found.Count == 0)
        {
            return RecordWriteVerdict.None;
        }

        var warnings = MatchRules.All.Select(rule => (rule, ids: found.Where(f => f.Rule == rule.Code()).Select(f => f.RecordId).Distinct().Take(MaxNamed).ToList()))
            .Where(r => r.ids.Count > 0)
            .Select(r => new DuplicateWarning(r.rule.GraphName(), Describe(definition, r.rule, r.ids), r.ids))
            .ToList();
        return mode == DuplicateMode.Refuse
            ? new RecordWriteVerdict([], warnings.Select(w => UserError.At(Duplicate, w.Message + " (Duplicates:OnCreate is Refuse.)", "input")).ToList())
            : new RecordWriteVerdict(warnings, []);
    }

    private static string Describe(ICrmEntityDefinition definition, MatchRule rule, List<long> ids)
    {
        var what = rule switch
        {
            MatchRule.Email => "the same e-mail",
            MatchRule.Phone => "the same phone",
            _ => "the same name in the same company",
        };
        var plural = ids.Count == 1 ? definition.Name : definition.PluralName;
        return $"{char.ToUpperInvariant(plural[0])}{plural[1..]} {string.Join(", ", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)))} {(ids.Count == 1 ? "has" : "have")} {what}.";
    }

    private static string Placeholder(List<object> parameters, object value)
    {
        parameters.Add(value);
        return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }
}
