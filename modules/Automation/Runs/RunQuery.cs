using System.Globalization;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Runs;

/// <summary>
/// What <c>automationRuns</c> reads: the runs matching a filter (rule, record, statuses, start time),
/// newest first, after a cursor, that the caller may see: every run with the settings right, else
/// the runs of the records they may read now (each record type's own access filter in the statement
/// that pages, as the feed does, so a page is full and one statement reads it).
/// </summary>
public static class RunQuery
{
    /// <summary>The most statuses a filter names.</summary>
    public const int MaxStatuses = 10;

    /// <summary>The filter's input type (<c>AutomationRunFilter</c>).</summary>
    public static InputObjectGraphType FilterType(SchemaComposer composer, IGraphType status)
    {
        var input = new InputObjectGraphType { Name = "AutomationRunFilter", Description = "Which runs: each part optional, all together." };
        input.AddField(new FieldType { Name = "ruleId", Type = typeof(IdGraphType), Description = "The runs of one rule." });
        input.AddField(new FieldType { Name = "entityType", ResolvedType = composer.Types.CrmEntityType, Description = "Runs on records of this type." });
        input.AddField(new FieldType { Name = "entityId", Type = typeof(IdGraphType), Description = "With entityType: the runs of one record." });
        input.AddField(new FieldType { Name = "statuses", ResolvedType = new ListGraphType(new NonNullGraphType(status)), Description = $"Runs with one of these statuses (at most {MaxStatuses.ToString(CultureInfo.InvariantCulture)})." });
        input.AddField(new FieldType { Name = "startedFrom", Type = typeof(DateTimeGraphType), Description = "Runs started at or after this time." });
        input.AddField(new FieldType { Name = "startedTo", Type = typeof(DateTimeGraphType), Description = "Runs started before this time." });
        return input;
    }

    /// <summary>A page of runs for the resolver's arguments (<c>where</c>, and the older <c>ruleId</c>, <c>entityType</c>, <c>entityId</c>), refused with an error code before any read when malformed or over a limit.</summary>
    public static async Task<List<AutomationRun>> PageAsync(IResolveFieldContext c, IEntityRegistry registry, int first)
    {
        var services = c.RequestServices!;
        var where = c.GetArgument<Dictionary<string, object?>?>("where") ?? [];
        object? Arg(string name) => where.TryGetValue(name, out var value) && value is not null ? value : c.GetArgument<object?>(name);

        var db = services.GetRequiredService<AutomationDbContext>();
        var statuses = where.TryGetValue("statuses", out var rawStatuses) && rawStatuses is System.Collections.IEnumerable list ? list.Cast<RunStatus>().ToList() : null;
        if (statuses is { Count: > MaxStatuses })
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'where.statuses' holds at most {MaxStatuses.ToString(CultureInfo.InvariantCulture)} values.");
        }

        statuses = statuses?.Distinct().ToList();

        var entityType = Arg("entityType") as string;
        var rawEntity = Arg("entityId");
        var type = entityType is null ? null
            : registry.Find(entityType) as ICrmEntityDefinition ?? throw ErrorCodes.Error(ErrorCodes.InvalidFormat, $"'{entityType}' is not a record type.");

        IQueryable<AutomationRun> query;
        if (rawEntity is not null)
        {
            if (type is null || !RecordIds.TryParse(rawEntity, out var entityId))
            {
                throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'entityId' is a record id, with 'entityType'.");
            }

            // One record: whoever may read it sees its runs.
            if (!await type.ReachesAsync(services, entityId, PermissionAction.Read, c.CancellationToken))
            {
                throw ErrorCodes.Error(ErrorCodes.Forbidden, $"You cannot read {type.Name} {entityId.ToString(CultureInfo.InvariantCulture)}, so neither its runs.");
            }

            query = db.Runs.AsNoTracking().Where(r => r.EntityType == type.Name && r.EntityId == entityId);
        }
        else if (Visible(services, db, type is null ? null : [type.Name]) is { } visible)
        {
            query = type is null ? visible : visible.Where(r => r.EntityType == type.Name);
        }
        else
        {
            return [];
        }

        if (Arg("ruleId") is { } rawRule)
        {
            query = RecordIds.TryParse(rawRule, out var ruleId) ? query.Where(r => r.RuleId == ruleId) : throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'ruleId' is not a rule id.");
        }

        if (statuses is not null)
        {
            query = query.Where(r => statuses.Contains(r.Status));
        }

        if (Time(where, "startedFrom") is { } from)
        {
            query = query.Where(r => r.StartedAt >= from);
        }

        if (Time(where, "startedTo") is { } to)
        {
            query = query.Where(r => r.StartedAt < to);
        }

        if (c.GetArgument<object?>("after") is { } rawAfter)
        {
            if (!Guid.TryParse(rawAfter.ToString(), out var after))
            {
                throw ErrorCodes.Error(ErrorCodes.InvalidCursor, "'after' is the id of a run.");
            }

            // Keyset: below the run named, by its row id (one index probe in the same statement).
            query = query.Where(r => r.Id < db.Runs.Where(x => x.RunId == after).Select(x => x.Id).FirstOrDefault());
        }

        return await query.OrderByDescending(r => r.Id).Take(first).ToListAsync(c.CancellationToken);
    }

    /// <summary>
    /// The runs the caller may see (the settings right: every run), or null when they may read no
    /// record of <paramref name="types"/> (null: of any type). A deleted record's runs are the settings right's only.
    /// </summary>
    private static IQueryable<AutomationRun>? Visible(IServiceProvider services, AutomationDbContext db, IReadOnlyCollection<string>? types)
    {
        // A disabled module's types are out of the schema: their runs stay stored, but are not
        // listed (the schema has no CrmEntityType value to show them by).
        var registry = services.GetRequiredService<IEntityRegistry>();
        if (services.GetRequiredService<ICurrentActor>().CanConfigure)
        {
            var outOfService = registry.OutOfServiceNames(services);
            return outOfService.Count == 0 ? db.Runs.AsNoTracking() : db.Runs.AsNoTracking().Where(r => !outOfService.Contains(r.EntityType));
        }

        var model = db.Model.FindEntityType(typeof(AutomationRun))!;
        var table = model.GetSchema() is { } schema ? $"\"{schema}\".\"{model.GetTableName()}\"" : $"\"{model.GetTableName()}\"";
        var typeColumn = model.FindProperty(nameof(AutomationRun.EntityType))!.GetColumnName();
        var idColumn = model.FindProperty(nameof(AutomationRun.EntityId))!.GetColumnName();
        var parameters = new List<object>();
        var reached = new List<string>();
        foreach (var type in registry.InService(services).OfType<ICrmEntityDefinition>())
        {
            if ((types is not null && !types.Contains(type.Name)) || type.ReadableSql(services, PermissionAction.Read, "crm_r", $"crm_e.\"{idColumn}\"", parameters) is not { } condition)
            {
                continue;
            }

            parameters.Add(type.Name);
            reached.Add($"(crm_e.\"{typeColumn}\" = {{{(parameters.Count - 1).ToString(CultureInfo.InvariantCulture)}}} AND {condition})");
        }

        if (reached.Count == 0)
        {
            return null;
        }

#pragma warning disable EF1002 // names from the EF model, values as parameters
        return db.Runs.FromSqlRaw($"SELECT * FROM {table} AS crm_e WHERE {string.Join(" OR ", reached)}", [.. parameters]).AsNoTracking();
#pragma warning restore EF1002
    }

    private static DateTime? Time(Dictionary<string, object?> where, string name) =>
        where.TryGetValue(name, out var value) ? value switch
        {
            null => null,
            DateTimeOffset offset => offset.UtcDateTime,
            DateTime time => time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime(),
            _ => throw ErrorCodes.Error(ErrorCodes.InvalidFormat, $"'where.{name}' is not a time."),
        } : null;
}
