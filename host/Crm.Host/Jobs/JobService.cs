using System.Globalization;
using System.Text.Json;
using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Crm.Host.Jobs;

/// <summary>Starts, reads and cancels jobs for the request's actor: only the owner (or an admin) sees or cancels a job.</summary>
internal sealed class JobService(PlatformDbContext db, ICurrentActor actor, JobRunner runner, JobSignals signals, IOptions<JobOptions> options, TimeProvider clock, IServiceProvider services) : IJobs
{
    public async Task<JobStart> StartAsync(string kind, object parameters, CancellationToken cancellationToken)
    {
        if (actor.UserId is not { } owner)
        {
            return new JobStart(null, [UserError.At(ErrorCodes.Unauthenticated, "Starting a job needs a signed-in user.")]);
        }

        if (runner.Kind(kind) is not { } jobKind)
        {
            return new JobStart(null, [UserError.At(ErrorCodes.NotFound, $"No module of this server runs jobs of kind '{kind}'.")]);
        }

        var json = JsonSerializer.SerializeToElement(parameters, JobKind<object>.Json);
        var errors = await jobKind.ValidateAsync(services, json, cancellationToken);
        if (errors.Count > 0)
        {
            return new JobStart(null, errors);
        }

        // The owner's unfinished jobs are counted and the new one added in one turn of the owner's
        // lock: twenty parallel starts pass the limit exactly, never more and never all refused.
        var started = await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            await db.LockNameAsync("jobs.unfinished:" + owner.ToString(CultureInfo.InvariantCulture), cancellationToken);
            var unfinished = await db.Jobs.CountAsync(j => j.OwnerId == owner && (j.State == JobState.Queued || j.State == JobState.Running), cancellationToken);
            if (unfinished >= options.Value.MaxQueuedPerUser)
            {
                return new JobStart(null, [UserError.At(ErrorCodes.LimitExceeded,
                    $"You have {unfinished} unfinished jobs; the limit is {options.Value.MaxQueuedPerUser} (Jobs:MaxQueuedPerUser). Wait for one to end or cancel one.")]);
            }

            var job = new JobRow
            {
                Kind = kind,
                Parameters = json.GetRawText(),
                OwnerId = owner,
                State = JobState.Queued,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            db.Jobs.Add(job);
            await db.SaveChangesAsync(cancellationToken);
            return new JobStart(job, []);
        }, start => start.Errors.Count == 0, cancellationToken);
        if (started.Job is not null)
        {
            runner.Wake();
        }

        return started;
    }

    /// <summary>The job if the actor may see it (its owner, or an admin); null otherwise, as for a job that does not exist.</summary>
    public async Task<JobRow?> FindAsync(long id, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
        return job is not null && MaySee(job) ? job : null;
    }

    public bool MaySee(JobRow job) => actor.IsAdministrator || (actor.UserId is { } user && job.OwnerId == user);

    /// <summary>The actor's jobs, newest first, after the job <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<JobRow>> MineAsync(int first, long? after, CancellationToken cancellationToken)
    {
        if (actor.UserId is not { } owner)
        {
            throw ErrorCodes.Error(ErrorCodes.Unauthenticated, "Listing jobs needs a signed-in user.");
        }

        if (first is < 0 or > JobOptions.MaxPageSize)
        {
            throw ErrorCodes.Error(first < 0 ? ErrorCodes.Validation : ErrorCodes.LimitExceeded, $"'first' must be 0 to {JobOptions.MaxPageSize}.");
        }

        var query = db.Jobs.AsNoTracking().Where(j => j.OwnerId == owner);
        if (after is { } cursor)
        {
            query = query.Where(j => j.Id < cursor);
        }

        return await query.OrderByDescending(j => j.Id).Take(first).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Cancels a job: a queued one ends CANCELLED at once; a running one is asked to stop (at once on
    /// this host, with its next heartbeat or save on another) and ends CANCELLED there. A finished job is left as it is.
    /// </summary>
    public async Task<(JobRow? Job, IReadOnlyList<UserError> Errors)> CancelAsync(long id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is not { } job)
        {
            return (null, [UserError.At(ErrorCodes.NotFound, $"There is no job {id} of yours.", "id")]);
        }

        if (JobRow.IsFinished(job.State))
        {
            return (job, [UserError.At(ErrorCodes.Conflict, $"Job {id} has ended ({job.State.ToString().ToUpperInvariant()}).", "id")]);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var expires = now + options.Value.FileRetention;
        var queued = await db.Jobs.Where(j => j.Id == id && j.State == JobState.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Cancelled).SetProperty(j => j.CancelRequested, true)
                .SetProperty(j => j.FinishedAt, now).SetProperty(j => j.ResultExpiresAt, expires), cancellationToken);
        if (queued == 0)
        {
            await db.Jobs.Where(j => j.Id == id && j.State == JobState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), cancellationToken);
            runner.Cancel(id);
        }

        signals.Raise(id);

        return (await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == id, cancellationToken), []);
    }
}
