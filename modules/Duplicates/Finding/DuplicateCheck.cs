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
            var lockKeys = new List<object>();
            var locks = string.Join(", ", keys.Select(k => definition.Name + "\n" + k.Rule.Code() + "\n" + k.Key).Distinct().Order(StringComparer.Ordinal)
                .Select(k => $"pg_advisory_xact_lock(hashtextextended({Placeholder(lockKeys, k)}, 0))"));
#pragma warning disable EF1002 // placeholders only
            await db.Database.ExecuteSqlRawAsync($"SELECT {locks}", lockKeys, cancellationToken);
#pragma warning restore EF1002
        }

        var parameters = new List<object> { definition.Name, record.Id };
        var matches = string.Join(" OR ", keys.Select(k => $"(crm_k.rule = {Placeholder(parameters, k.Rule.Code())} AND crm_k.key = {Placeholder(parameters, k.Key)})"));
        var readable = DuplicateFinder.ReadableCondition(services, definition, "crm_k.record_id", parameters);
        if (readable is null)
        {
            return RecordWriteVerdict.None;
        }

        var sql = $"SELECT crm_k.record_id AS \"RecordId\", crm_k.rule AS \"Rule\", crm_k.key AS \"Key\" FROM {table} AS crm_k "
            + $"WHERE crm_k.entity_type = {{0}} AND crm_k.record_id <> {{1}} AND ({matches}){readable} ORDER BY crm_k.record_id LIMIT {(MaxNamed * keys.Count).ToString(CultureInfo.InvariantCulture)}";
#pragma warning disable EF1002 // names from the model; values as parameters
        var found = await db.Database.SqlQueryRaw<KeyTable.KeyRow>(sql, [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
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
