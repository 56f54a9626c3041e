using System.Globalization;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Entities;
using GraphQL;
using GraphQL.Types;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Feed;

/// <summary>
/// The <c>where</c> of <c>feed</c> and <c>feedEvents</c>: record types, kinds, actors and a time
/// range, and the comments that mention a user (<c>mentionsMe</c>: the caller's notifications), each
/// optional (null: any). Read from GraphQL with every list bounded before any work.
/// </summary>
public sealed record FeedFilter(
    IReadOnlyList<string>? EntityTypes,
    IReadOnlyList<string>? Kinds,
    IReadOnlyList<long>? ActorIds,
    DateTime? OccurredFrom,
    DateTime? OccurredTo,
    long? MentionedUserId = null)
{
    /// <summary>The most values each list of the filter may hold.</summary>
    public const int MaxValues = 100;

    /// <summary>The longest kind, in characters (as the column).</summary>
    public const int MaxKindLength = 64;

    public static readonly FeedFilter Any = new(null, null, null, null, null);

    /// <summary>Whether an entry passes the filter (what a subscription applies to each live entry; the feed's query says the same in SQL).</summary>
    public bool Matches(TimelineEntry entry) =>
        (EntityTypes is null || EntityTypes.Contains(entry.EntityType))
        && (Kinds is null || Kinds.Contains(entry.Kind))
        && (ActorIds is null || (entry.ActorId is { } actor && ActorIds.Contains(actor)))
        && (OccurredFrom is not { } from || entry.OccurredAt >= from)
        && (OccurredTo is not { } to || entry.OccurredAt < to)
        && (MentionedUserId is not { } user || Mentions(entry, user));

    /// <summary>
    /// Whether a comment entry names the user among those its comment mentioned when it was added
    /// (live entries are matched as written; the feed's page reads the comment's mentions as they are now).
    /// </summary>
    private static bool Mentions(TimelineEntry entry, long user) =>
        entry.Kind == TimelineKinds.Comment
        && System.Text.Json.Nodes.JsonNode.Parse(entry.Data)?["mentionedUserIds"] is System.Text.Json.Nodes.JsonArray users
        && users.Any(u => u is not null && (long)u == user);

    /// <summary>The filter's input type (<c>FeedFilter</c>).</summary>
    public static InputObjectGraphType InputType(SharedGraphTypes shared)
    {
        var input = new InputObjectGraphType { Name = "FeedFilter", Description = $"Which entries of the feed: each list at most {MaxValues} values; an entry passes when it matches every part given." };
        input.AddField(new FieldType { Name = "entityTypes", Description = "Entries of records of these types.", ResolvedType = new ListGraphType(new NonNullGraphType(shared.CrmEntityType)) });
        input.AddField(new FieldType { Name = "kinds", Description = "Entries of these kinds (created, fieldsChanged, stageChanged, converted, deleted, and those modules add).", Type = typeof(ListGraphType<NonNullGraphType<StringGraphType>>) });
        input.AddField(new FieldType { Name = "actorIds", Description = "Entries of changes made by these users.", Type = typeof(ListGraphType<NonNullGraphType<IdGraphType>>) });
        input.AddField(new FieldType { Name = "occurredFrom", Description = "Entries of changes made at or after this time.", Type = typeof(DateTimeGraphType) });
        input.AddField(new FieldType { Name = "occurredTo", Description = "Entries of changes made before this time.", Type = typeof(DateTimeGraphType) });
        input.AddField(new FieldType { Name = "mentionsMe", Description = "True: only comments that mention the caller (@[user:id]), the caller's notifications.", Type = typeof(BooleanGraphType) });
        return input;
    }

    /// <summary>The filter of argument <c>where</c>, refused with an error code when over a limit or malformed.</summary>
    public static FeedFilter Read(IResolveFieldContext context)
    {
        if (context.GetArgument<Dictionary<string, object?>?>("where") is not { } where)
        {
            return Any;
        }

        var entityTypes = List(where, "entityTypes")?.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToList();
        var kinds = List(where, "kinds")?.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToList();
        if (kinds?.FirstOrDefault(k => k.Length > MaxKindLength) is { } tooLong)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"A kind has at most {MaxKindLength} characters; one has {tooLong.Length.ToString(CultureInfo.InvariantCulture)}.");
        }

        var actorIds = List(where, "actorIds")?.Select(v => RecordIds.TryParse(v, out var id)
            ? id
            : throw ErrorCodes.Error(ErrorCodes.InvalidId, $"'{Convert.ToString(v, CultureInfo.InvariantCulture)}' in 'where.actorIds' is not a user id.")).ToList();
        // Mentions of the caller: a caller who is no user (the platform) is mentioned nowhere.
        long? mentioned = where.TryGetValue("mentionsMe", out var mentionsMe) && mentionsMe is true
            ? context.RequestServices!.GetRequiredService<ICurrentActor>().UserId ?? 0
            : null;
        return new FeedFilter(entityTypes, kinds, actorIds, Time(where, "occurredFrom"), Time(where, "occurredTo"), mentioned);
    }

    private static List<object?>? List(Dictionary<string, object?> where, string name)
    {
        if (!where.TryGetValue(name, out var value) || value is null)
        {
            return null;
        }

        var list = ((System.Collections.IEnumerable)value).Cast<object?>().ToList();
        return list.Count > MaxValues
            ? throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'where.{name}' holds at most {MaxValues} values; {list.Count.ToString(CultureInfo.InvariantCulture)} were given.")
            : list;
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
