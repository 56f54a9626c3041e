using Crm.Modules.Activities.Data;
using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Closing;

/// <summary>
/// An activity is closed by completing it and reopened by clearing its completion: what
/// <c>completeActivity</c> does (the UPDATE right on the activity, the row locked before it is read,
/// <see cref="ActivityCompleted"/> published), what <c>reopenActivity</c> does (the same right and lock,
/// <see cref="ActivityReopened"/> published) and what bulk actions' CLOSE and OPEN do through the
/// SDK's <see cref="IRecordClosing"/>.
/// </summary>
internal sealed class ActivityClosing(ActivitiesDbContext db, CrmDatabaseSession session, TimeProvider clock) : IRecordClosing
{
    public string EntityType => ActivityEntity.Name;

    /// <summary>The completed activity (null when refused or completed already) and what was done.</summary>
    public async Task<(Activity? Activity, RecordClosingResult Result)> CompleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        Activity? completed = null;
        var result = await ChangeAsync(services, id, closing: true, activity =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            activity.Completed = true;
            activity.CompletedAt = now;
            db.Publish(new ActivityCompleted(activity.Id, activity.TypeId, activity.ProviderId, activity.ResponsibleId, now,
                ActivityEntity.BindingKeys(activity), activity.Subject, ActivityEntity.TimesOf(activity)));
            completed = activity;
        }, cancellationToken);
        return (completed, result);
    }

    public async Task<RecordClosingResult> CloseAsync(IServiceProvider services, long id, CancellationToken cancellationToken) =>
        (await CompleteAsync(services, id, cancellationToken)).Result;

    /// <summary>The reopened activity (null when refused or open already) and what was done.</summary>
    public async Task<(Activity? Activity, RecordClosingResult Result)> ReopenAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        Activity? reopened = null;
        var result = await ChangeAsync(services, id, closing: false, activity =>
        {
            db.Publish(new ActivityReopened(activity.Id, activity.TypeId, activity.ProviderId, activity.Subject, ActivityEntity.TimesOf(activity), activity.ResponsibleId,
                ActivityEntity.BindingKeys(activity), ActivityEntity.Utc(activity.CompletedAt)));
            activity.Completed = false;
            activity.CompletedAt = null;
            reopened = activity;
        }, cancellationToken);
        return (reopened, result);
    }

    async Task<RecordClosingResult> IRecordClosing.ReopenAsync(IServiceProvider services, long id, CancellationToken cancellationToken) =>
        (await ReopenAsync(services, id, cancellationToken)).Result;

    private async Task<RecordClosingResult> ChangeAsync(IServiceProvider services, long id, bool closing, Action<Activity> change, CancellationToken cancellationToken)
    {
        var activities = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Find(ActivityEntity.Name)!;
        return await session.InTransactionAsync(async () =>
        {
            // Locked before it is read: of concurrent completions exactly one completes it.
            await db.LockAsync<Activity>([id], RowLock.NoKeyUpdate, cancellationToken);
            var activity = await activities.ReachesAsync(services, id, PermissionAction.Update, cancellationToken)
                ? await db.Activities.Include(a => a.Bindings).FirstOrDefaultAsync(a => a.Id == id, cancellationToken)
                : null;
            if (activity is null)
            {
                return RecordClosingResult.Refused(activities.ReachesAll(services, PermissionAction.Update)
                    ? Refusals.NotFound(ActivityEntity.Name, id, "id")
                    : Refusals.Forbidden(closing ? "complete" : "reopen", ActivityEntity.Name, id, "id"));
            }

            if (activity.Completed == closing)
            {
                return RecordClosingResult.Unchanged;
            }

            change(activity);
            await db.SaveChangesAsync(cancellationToken);
            return RecordClosingResult.Changed;
        }, result => result.Outcome == RecordClosingOutcome.Changed, cancellationToken);
    }
}
