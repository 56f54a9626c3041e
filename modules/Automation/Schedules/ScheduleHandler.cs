using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Automation.Schedules;

/// <summary>
/// A schedule rule's firing: lists the records it is for, as the rule's run-as user, at most
/// <see cref="ScheduleOptions.MaxRecordsPerFiring"/>, and starts a run per record through
/// <see cref="RuleRunner"/> with a start id derived from what makes the run unique, so that a firing
/// repeated (by a retry of the work, or a second host) runs nothing twice:
/// <list type="bullet">
/// <item><c>schedule.cron</c>: the records its <c>filter</c> selects; start id from (rule, fire time, record).</item>
/// <item><c>schedule.dateField</c>: a sweep over the window since the rule's last sweep (stored,
/// <see cref="ScheduleSweep"/>; from the version's activation the first time): the records whose field
/// plus or minus the offset fell in it, in that order; start id from (rule, record, the field's value),
/// so a record runs again only when its date changes. A date that came while no host ran is found by
/// the next sweep; one already past when the rule was activated is not.</item>
/// </list>
/// </summary>
[ScheduledWorkHandler(Name)]
public sealed class ScheduleHandler(AutomationDbContext db, IServiceScopeFactory scopes, IEntityRegistry registry, RuleRunner runner, RuleSchedules schedules,
    ScheduleOptions options, TimeProvider clock, ILogger<ScheduleHandler> logger) : IScheduledWorkHandler
{
    public const string Name = "schedules";
    public const string CronTrigger = "schedule.cron";
    public const string DateFieldTrigger = "schedule.dateField";

    public async Task HandleAsync(ScheduledWork work, CancellationToken cancellationToken)
    {
        if (!long.TryParse(work.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var ruleId))
        {
            return;
        }

        var active = await (from stored in db.Rules.AsNoTracking()
                            join version in db.RuleVersions.AsNoTracking() on new { RuleId = stored.Id, Version = stored.ActiveVersion!.Value } equals new { version.RuleId, version.Version }
                            where stored.Id == ruleId && stored.ActiveVersion != null
                            select new { stored.EntityType, Version = version }).FirstOrDefaultAsync(cancellationToken);
        var definition = active is null ? null : RuleDefinition.FromJson(active.Version.Definition);
        if (active is null || definition!.Trigger.Kind is not (CronTrigger or DateFieldTrigger))
        {
            // The rule changed while its work stayed (a commit lost after the work was scheduled): the work follows it.
            await schedules.FollowAsync(ruleId, definition, cancellationToken);
            return;
        }

        var rule = new ActiveRule(active.Version, active.EntityType, definition);
        await using var scope = scopes.CreateAsyncScope();
        var identity = new AutomationRunIdentity(ruleId, rule.Version.Name, rule.Version.Version, Guid.NewGuid());
        if (await AutomationRunner.ActAsAsync(scope.ServiceProvider, rule.Version.RunAsUserId, identity, cancellationToken) is { } refused)
        {
            logger.LogWarning("The schedule of automation rule {Rule} cannot list its records: {Reason}", ruleId, refused.Message);
            return;
        }

        var records = new RunRecordSource(scope.ServiceProvider, registry);
        if (definition.Trigger.Kind == CronTrigger)
        {
            await FireCronAsync(rule, records, work.DueAt, cancellationToken);
        }
        else
        {
            await SweepAsync(rule, records, cancellationToken);
        }
    }

    private async Task FireCronAsync(ActiveRule rule, RunRecordSource records, DateTimeOffset firedFor, CancellationToken cancellationToken)
    {
        var filter = rule.Definition.Trigger.Params["filter"]?.GetValue<string>() is { Length: > 0 } text ? JsonNode.Parse(text) as JsonObject : null;
        var found = await records.FindAsync(rule.EntityType, filter, null, options.MaxRecordsPerFiring + 1, cancellationToken);
        if (found.Count > options.MaxRecordsPerFiring)
        {
            logger.LogWarning("Automation rule {Rule}'s schedule selects more than {Max} records: it runs for the first {Max} (by id) of each firing (Automation:MaxRecordsPerFiring).",
                rule.Version.RuleId, options.MaxRecordsPerFiring, options.MaxRecordsPerFiring);
        }

        foreach (var record in found.Take(options.MaxRecordsPerFiring))
        {
            var id = record["id"]!.GetValue<long>();
            var start = new RunStart(rule.EntityType, id, StartId($"cron:{rule.Version.RuleId}:{firedFor.ToUnixTimeMilliseconds()}:{id}"), CronTrigger, 1);
            await runner.RunAsync(rule, start, cancellationToken);
        }
    }

    private async Task SweepAsync(ActiveRule rule, RunRecordSource records, CancellationToken cancellationToken)
    {
        var parameters = rule.Definition.Trigger.Params;
        var field = parameters["field"]!.GetValue<string>();
        var offset = System.Xml.XmlConvert.ToTimeSpan(parameters["offset"]!.GetValue<string>());
        // A record is due at its field's time plus (AFTER) or minus (BEFORE) the offset: its field is the due time minus that.
        var shift = parameters["direction"]?.GetValue<string>() == "BEFORE" ? -offset : offset;
        var sweep = await db.Sweeps.FirstOrDefaultAsync(s => s.RuleId == rule.Version.RuleId, cancellationToken);
        var from = new DateTimeOffset(DateTime.SpecifyKind(sweep?.SweptUntil ?? rule.Version.ActivatedAt ?? clock.GetUtcNow().UtcDateTime, DateTimeKind.Utc));
        var to = clock.GetUtcNow();
        if (to <= from)
        {
            return;
        }

        var found = Window(rule.EntityType, field, from - shift, to - shift) is { } where
            ? await records.FindAsync(rule.EntityType, where, field, options.MaxRecordsPerFiring, cancellationToken)
            : [];
        var sweptUntil = to;
        foreach (var record in found)
        {
            var id = record["id"]!.GetValue<long>();
            var value = record[field]?.ToJsonString() ?? "";
            await runner.RunAsync(rule, new RunStart(rule.EntityType, id, StartId($"dateField:{rule.Version.RuleId}:{id}:{value}"), DateFieldTrigger, 1), cancellationToken);
        }

        if (found.Count == options.MaxRecordsPerFiring && Waits.WaitPlanner.DateOf(found[^1][field]) is { } last)
        {
            // A full page: the next sweep starts at the last record's time (its equals run again, and their start ids make that nothing).
            sweptUntil = last + shift;
        }

        if (sweep is null)
        {
            db.Sweeps.Add(new ScheduleSweep { RuleId = rule.Version.RuleId, SweptUntil = sweptUntil.UtcDateTime });
        }
        else
        {
            sweep.SweptUntil = sweptUntil.UtcDateTime;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// The list filter of the field's values from <paramref name="from"/> (inclusive) to <paramref name="to"/>
    /// (exclusive): instants for a date-time field; for a date field, the dates whose midnight (UTC) falls
    /// in between; null when no date does.
    /// </summary>
    private Dictionary<string, object?>? Window(string entityType, string field, DateTimeOffset from, DateTimeOffset to)
    {
        using var scope = scopes.CreateScope();
        var type = registry.Find(entityType) as ICrmEntityDefinition;
        var kind = type is null ? null : RecordFieldNames.Find(scope.ServiceProvider, type, field)?.Kind;
        if (kind != FieldKind.Date)
        {
            return new Dictionary<string, object?> { [field] = new Dictionary<string, object?> { ["gte"] = from.UtcDateTime, ["lt"] = to.UtcDateTime } };
        }

        var first = DateOnly.FromDateTime(from.UtcDateTime.TimeOfDay == TimeSpan.Zero ? from.UtcDateTime : from.UtcDateTime.Date.AddDays(1));
        var last = DateOnly.FromDateTime(to.UtcDateTime.TimeOfDay == TimeSpan.Zero ? to.UtcDateTime.Date.AddDays(-1) : to.UtcDateTime.Date);
        return first > last ? null
            : new Dictionary<string, object?> { [field] = new Dictionary<string, object?> { ["gte"] = first, ["lte"] = last } };
    }

    /// <summary>A start id from what makes a run unique: the same text, the same id.</summary>
    public static Guid StartId(string what) => new(SHA256.HashData(Encoding.UTF8.GetBytes(what)).AsSpan(0, 16));
}
