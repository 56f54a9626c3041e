using System.Globalization;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Feed;

/// <summary>
/// The company-wide stream of timeline entries, newest first, on the records the actor may read:
/// the rights are part of the statement that pages (each registered type's own access filter, as
/// SQL over its table), so a page is full whatever the actor may not see, and one statement reads it.
/// </summary>
public sealed class FeedReader(TimelineDbContext db)
{
    /// <summary><paramref name="first"/> entries older than <paramref name="beforeId"/> (null: the newest), and one more to tell whether there is a next page.</summary>
    public async Task<List<TimelineEntry>> PageAsync(IServiceProvider services, FeedFilter filter, int first, long? beforeId, CancellationToken cancellationToken)
    {
        if (Readable(services, filter.EntityTypes) is not { } query)
        {
            return [];
        }

        if (filter.EntityTypes is { } types)
        {
            query = query.Where(e => types.Contains(e.EntityType));
        }

        if (filter.Kinds is { } kinds)
        {
            query = query.Where(e => kinds.Contains(e.Kind));
        }

        if (filter.ActorIds is { } actors)
        {
            query = query.Where(e => e.ActorId != null && actors.Contains(e.ActorId.Value));
        }

        if (filter.OccurredFrom is { } from)
        {
            query = query.Where(e => e.OccurredAt >= from);
        }

        if (filter.OccurredTo is { } to)
        {
            query = query.Where(e => e.OccurredAt < to);
        }

        if (filter.MentionedUserId is { } user)
        {
            // The comment's mentions as they are now (an edit that drops a user drops the notification).
            query = query.Where(e => e.Kind == TimelineKinds.Comment
                && db.Comments.Any(c => c.EventId == e.EventId && db.Mentions.Any(m => m.CommentId == c.Id && m.UserId == user)));
        }

        if (beforeId is { } before)
        {
            query = query.Where(e => e.Id < before);
        }

        return await query.OrderByDescending(e => e.Id).Take(first + 1).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The entries whose record the actor may read now (an administrator: every entry, deleted
    /// records' too), or null when they may read no record of <paramref name="types"/> (null: of any type).
    /// </summary>
    public IQueryable<TimelineEntry>? Readable(IServiceProvider services, IReadOnlyCollection<string>? types)
    {
        // A disabled module's types are out of the schema: their entries stay stored, but are not
        // listed (the schema has no CrmEntityType value to show them by).
        var registry = services.GetRequiredService<IEntityRegistry>();
        if (services.GetRequiredService<ICurrentActor>().IsAdministrator)
        {
            var outOfService = registry.OutOfServiceNames(services);
            return outOfService.Count == 0 ? db.Entries.AsNoTracking() : db.Entries.AsNoTracking().Where(e => !outOfService.Contains(e.EntityType));
        }

        var model = db.Model.FindEntityType(typeof(TimelineEntry))!;
        var table = model.GetSchema() is { } schema ? $"\"{schema}\".\"{model.GetTableName()}\"" : $"\"{model.GetTableName()}\"";
        var typeColumn = Column(model, nameof(TimelineEntry.EntityType));
        var idColumn = Column(model, nameof(TimelineEntry.EntityId));
        var parameters = new List<object>();
        var reached = new List<string>();
        // One condition per type the actor may read: the type, and its record existing within their
        // reach (its own access filter over its own table). A type they may not read is left out.
        foreach (var type in registry.InService(services).OfType<ICrmEntityDefinition>())
        {
            if (types is not null && !types.Contains(type.Name))
            {
                continue;
            }

            var condition = type.ReadableSql(services, PermissionAction.Read, "crm_r", $"crm_e.\"{idColumn}\"", parameters);
            if (condition is null)
            {
                continue;
            }

            parameters.Add(type.Name);
            // OFFSET 0 keeps PostgreSQL from planning the EXISTS as a hash of every record the
            // actor reaches, built in full before the first row (140 ms for 50,000 deals): each
            // entry read backwards by id is checked by its record's key, and the read stops at the page.
            var probe = db.IsPostgres ? condition[..^1] + " OFFSET 0)" : condition;
            reached.Add($"(crm_e.\"{typeColumn}\" = {{{(parameters.Count - 1).ToString(CultureInfo.InvariantCulture)}}} AND {probe})");
        }

        if (reached.Count == 0)
        {
            return null;
        }

#pragma warning disable EF1002 // names from the EF model, values as parameters, user ids as integer literals
        return db.Entries.FromSqlRaw($"SELECT * FROM {table} AS crm_e WHERE {string.Join(" OR ", reached)}", [.. parameters]).AsNoTracking();
#pragma warning restore EF1002
    }

    private static string Column(Microsoft.EntityFrameworkCore.Metadata.IEntityType model, string property) =>
        model.FindProperty(property)!.GetColumnName();
}
