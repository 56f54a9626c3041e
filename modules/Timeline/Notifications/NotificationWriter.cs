using System.Globalization;
using System.Text.Json;
using Crm.Modules.Timeline.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Notifications;

/// <summary>
/// Writes notifications (in the caller's transaction, or one of its own) and marks them read. A
/// notification about a record needs its sender to read the record; its recipient must be a user that
/// exists. Written under the live writers' lock, so <c>notificationEvents</c> sees ids in order.
/// </summary>
public sealed class NotificationWriter(IServiceProvider services)
{
    private readonly TimelineDbContext _db = services.GetRequiredService<TimelineDbContext>();

    /// <summary>The new notification, or why there is none (at <c>userId</c>, <c>text</c> or <c>entityId</c>).</summary>
    public async Task<(Notification? Notification, UserError? Refused)> AddAsync(long userId, string text, (string Type, long Id)? about, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, UserError.At(ErrorCodes.Required, "A notification has a text.", "text"));
        }

        if (text.Length > NotificationLimits.MaxTextLength)
        {
            return (null, UserError.At(ErrorCodes.TooLong, $"A notification's text is at most {NotificationLimits.MaxTextLength.ToString(CultureInfo.InvariantCulture)} characters.", "text"));
        }

        if (services.GetService<IUserDirectory>() is { } directory && !(await directory.LoadUsersAsync([userId], cancellationToken)).ContainsKey(userId))
        {
            return (null, UserError.At(ErrorCodes.NotFound, $"No user {userId.ToString(CultureInfo.InvariantCulture)}.", "userId"));
        }

        string? entityType = null;
        if (about is { } record)
        {
            if (services.GetRequiredService<IEntityRegistry>().Find(record.Type) is not ICrmEntityDefinition type)
            {
                return (null, UserError.At(ErrorCodes.NotFound, $"No record type '{record.Type}' is loaded.", "entityType"));
            }

            if (!await type.ReachesAsync(services, record.Id, PermissionAction.Read, cancellationToken))
            {
                return (null, Refusals.Forbidden("notify about", type.Name, record.Id, "entityId"));
            }

            entityType = type.Name;
        }

        var actor = services.GetRequiredService<ICurrentActor>();
        var origin = actor is CurrentActor current ? current.Origin : new ChangeOrigin(ActorKind.System, null);
        var notification = new Notification
        {
            UserId = userId,
            Text = text,
            EntityType = entityType,
            EntityId = about?.Id,
            ActorId = actor.UserId,
            ActorKind = JsonNamingPolicy.SnakeCaseUpper.ConvertName(origin.Kind.ToString()),
            Via = origin.Via is { Length: > 64 } via ? via[..64] : origin.Via,
            CreatedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime,
        };
        await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            await LiveSignal.LockWritersAsync(_db, NotificationLiveSource.SignalName, cancellationToken);
            _db.Notifications.Add(notification);
            await _db.SaveChangesAsync(cancellationToken);
            await LiveSignal.RaiseAsync(_db, NotificationLiveSource.SignalName, cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);
        _db.Entry(notification).State = EntityState.Detached;
        return (notification, null);
    }

    /// <summary>Marks the caller's notifications read (those of <paramref name="ids"/>, or all when null) and returns how many it marked.</summary>
    public Task<int> MarkReadAsync(long userId, IReadOnlyCollection<long>? ids, CancellationToken cancellationToken)
    {
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var mine = _db.Notifications.Where(n => n.UserId == userId && n.ReadAt == null);
        if (ids is not null)
        {
            mine = mine.Where(n => ids.Contains(n.Id));
        }

        // One statement: concurrent marks of the same notification mark it once (the second finds it read).
        return mine.ExecuteUpdateAsync(u => u.SetProperty(n => n.ReadAt, now), cancellationToken);
    }
}
