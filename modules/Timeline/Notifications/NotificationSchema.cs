using System.Globalization;
using Crm.Modules.Timeline.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Notifications;

/// <summary>
/// The caller's notifications: <c>notifications(unread:, first:, after:)</c> (newest first),
/// <c>unreadNotificationCount</c>, <c>markNotificationsRead(ids:)</c> (or all), and
/// <c>notificationEvents</c>, each new one as it is written. Nobody sees another user's.
/// </summary>
public sealed class NotificationSchema : ISchemaContributor
{
    private static readonly NotificationLiveSource Source = new();

    public void Contribute(SchemaComposer composer)
    {
        var type = new ObjectGraphType { Name = "Notification", Description = "A notification for the caller: a text, optionally about a record, from a user or an automation rule." };
        type.AddField(SharedGraphTypes.Field<Notification>("id", typeof(NonNullGraphType<IdGraphType>), n => n.Id.ToString(CultureInfo.InvariantCulture)));
        type.AddField(SharedGraphTypes.Field<Notification>("text", typeof(NonNullGraphType<StringGraphType>), n => n.Text));
        type.AddField(new FieldType { Name = "entityType", Description = "The type of the record it is about; null: none, or its module is disabled.", ResolvedType = composer.Types.CrmEntityType, Resolver = new FuncFieldResolver<object?>(c => About(c)?.EntityType) });
        type.AddField(new FieldType { Name = "entityId", Description = "The record it is about; null: none, or its module is disabled.", Type = typeof(IdGraphType), Resolver = new FuncFieldResolver<object?>(c => About(c)?.EntityId?.ToString(CultureInfo.InvariantCulture)) });
        type.AddField(SharedGraphTypes.Field<Notification>("fromUserId", typeof(IdGraphType), n => n.ActorId is null or 0 ? null : n.ActorId.Value.ToString(CultureInfo.InvariantCulture), "Who sent it (a rule's run-as user for automation); null: the platform."));
        type.AddField(SharedGraphTypes.Field<Notification>("actorKind", typeof(NonNullGraphType<StringGraphType>), n => n.ActorKind, "USER, API_KEY, AUTOMATION, SYSTEM ..."));
        type.AddField(SharedGraphTypes.Field<Notification>("ruleId", typeof(IdGraphType),
            n => Crm.PluginSdk.Automation.AutomationChannel.TryParse(n.Via, out var rule, out _) ? rule.ToString(CultureInfo.InvariantCulture) : null, "The automation rule whose run sent it; null otherwise."));
        type.AddField(SharedGraphTypes.Field<Notification>("read", typeof(NonNullGraphType<BooleanGraphType>), n => n.ReadAt is not null));
        type.AddField(SharedGraphTypes.Field<Notification>("readAt", typeof(DateTimeGraphType), n => n.ReadAt is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null));
        type.AddField(SharedGraphTypes.Field<Notification>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), n => DateTime.SpecifyKind(n.CreatedAt, DateTimeKind.Utc)));

        var limits = composer.Limits;
        composer.Query.AddField(new FieldType
        {
            Name = "notifications",
            Description = $"The caller's notifications, newest first; after: the id of the last one seen (the page goes on below it). first: default {limits.DefaultPageSize.ToString(CultureInfo.InvariantCulture)}, at most {limits.MaxPageSize.ToString(CultureInfo.InvariantCulture)}.",
            ResolvedType = SchemaComposer.NonNullList(type),
            Arguments = new QueryArguments(
                new QueryArgument<BooleanGraphType> { Name = "unread", Description = "true: only unread ones; false: only read ones." },
                new QueryArgument<IntGraphType> { Name = "first" },
                new QueryArgument<IdGraphType> { Name = "after" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var first = c.GetArgument<int?>("first") ?? limits.DefaultPageSize;
                if (first < 1 || first > limits.MaxPageSize)
                {
                    throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'first' is 1 to {limits.MaxPageSize.ToString(CultureInfo.InvariantCulture)}.");
                }

                var query = Mine(c);
                if (c.GetArgument<object?>("after") is { } rawAfter)
                {
                    var after = RecordIds.Parse(rawAfter, "after", "notification");
                    query = query.Where(n => n.Id < after);
                }

                if (c.GetArgument<bool?>("unread") is { } unread)
                {
                    query = unread ? query.Where(n => n.ReadAt == null) : query.Where(n => n.ReadAt != null);
                }

                return await query.OrderByDescending(n => n.Id).Take(first).ToListAsync(c.CancellationToken);
            }),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "unreadNotificationCount",
            Description = "How many of the caller's notifications are unread.",
            ResolvedType = new NonNullGraphType(new IntGraphType()),
            Resolver = new FuncFieldResolver<object?>(async c => await Mine(c).CountAsync(n => n.ReadAt == null, c.CancellationToken)),
        });

        var payload = new ObjectGraphType { Name = "MarkNotificationsReadPayload", Description = "How many notifications were marked read now, or why none were." };
        payload.AddField(SharedGraphTypes.Field<MarkPayload>("marked", typeof(NonNullGraphType<IntGraphType>), p => p.Marked, "Those that were unread and are read now."));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MarkPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "markNotificationsRead",
            Description = $"Marks the caller's notifications read: those of 'ids' (at most {NotificationLimits.MaxIdsPerMark.ToString(CultureInfo.InvariantCulture)}), or every one with all: true. Others' ids are ignored.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<ListGraphType<NonNullGraphType<IdGraphType>>> { Name = "ids" },
                new QueryArgument<BooleanGraphType> { Name = "all" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                if (c.RequestServices!.GetRequiredService<ICurrentActor>().UserId is not { } me)
                {
                    return new MarkPayload(0, [UserError.At(ErrorCodes.Forbidden, "Only a user has notifications.", "ids")]);
                }

                var all = c.GetArgument<bool?>("all") == true;
                var rawIds = c.GetArgument<List<object>?>("ids");
                if (all == (rawIds is not null))
                {
                    return new MarkPayload(0, [UserError.At(ErrorCodes.InvalidValue, "Give either ids or all: true.", "ids")]);
                }

                if (rawIds is { Count: > NotificationLimits.MaxIdsPerMark })
                {
                    return new MarkPayload(0, [UserError.At(ErrorCodes.LimitExceeded, $"At most {NotificationLimits.MaxIdsPerMark.ToString(CultureInfo.InvariantCulture)} ids at once (or all: true).", "ids")]);
                }

                var errors = new List<UserError>();
                var ids = rawIds is null ? null : RecordIds.ReadList(rawIds, "notification", errors, out _, "ids");
                return errors.Count > 0
                    ? new MarkPayload(0, errors)
                    : new MarkPayload(await new NotificationWriter(c.RequestServices!).MarkReadAsync(me, ids?.ToList(), c.CancellationToken), []);
            }),
        });

        composer.AddLiveField(new LiveField<Notification>("notificationEvents", "The caller's new notifications, as they are written.", type, Source)
        {
            Filter = c => c.RequestServices!.GetRequiredService<ICurrentActor>().UserId is { } me
                ? n => n.UserId == me
                : throw ErrorCodes.Error(ErrorCodes.Forbidden, "Only a user has notifications."),
        });
    }

    /// <summary>
    /// The notification when the record it is about is of a type in service: a disabled module's
    /// type has no CrmEntityType value in the schema, so the notification is shown without its record.
    /// </summary>
    private static Notification? About(IResolveFieldContext c)
    {
        var notification = (Notification)c.Source!;
        var services = c.RequestServices!;
        return notification.EntityType is { } type && services.GetRequiredService<IEntityRegistry>().FindInService(services, type) is not null ? notification : null;
    }

    private static IQueryable<Notification> Mine(IResolveFieldContext c)
    {
        var services = c.RequestServices!;
        var me = services.GetRequiredService<ICurrentActor>().UserId ?? throw ErrorCodes.Error(ErrorCodes.Forbidden, "Only a user has notifications.");
        return services.GetRequiredService<TimelineDbContext>().Notifications.AsNoTracking().Where(n => n.UserId == me);
    }

    private sealed record MarkPayload(int Marked, IReadOnlyList<UserError> Errors);
}
