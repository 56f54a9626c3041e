using System.Text.Json;
using Crm.Host.Data;
using Crm.PluginSdk.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Jobs;

/// <summary>
/// The writes of the job table that decide who holds a job: claiming one, renewing, saving and
/// ending a run, each conditional on the run's lease token, so that a host that lost its job
/// (taken over after its lease ran out) changes nothing of it any more.
/// </summary>
internal sealed class JobStore(PlatformDbContext db, TimeProvider clock, JobSignals signals)
{
    // PostgreSQL: hosts claiming at once skip each other's candidate instead of queueing on it.
    private const string ClaimSql = """
        SELECT * FROM platform.jobs
        WHERE state = 'Queued' OR (state = 'Running' AND lease_until < {0})
        ORDER BY id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
        """;

    /// <summary>How many candidates SQLite's claim tries before it gives up for this round.</summary>
    private const int SqliteCandidates = 8;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The oldest job that is queued, or running on a lease that ran out, now held by <paramref name="token"/>; null when none.</summary>
    public async Task<JobRow?> ClaimAsync(Guid token, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now;
        if (db.IsPostgres)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var job = (await db.Jobs.FromSqlRaw(ClaimSql, now).AsTracking().ToListAsync(cancellationToken)).FirstOrDefault();
            if (job is null)
            {
                return null;
            }

            Hold(job, token, now, lease);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            signals.Raise(job.Id);
            return job;
        }

        // SQLite lets one writer in at a time: a conditional update of a candidate is the claim, and
        // a candidate another host took meanwhile updates nothing.
        var candidates = await db.Jobs.Where(j => j.State == JobState.Queued || (j.State == JobState.Running && j.LeaseUntil < now))
            .OrderBy(j => j.Id).Select(j => j.Id).Take(SqliteCandidates).ToListAsync(cancellationToken);
        foreach (var id in candidates)
        {
            var until = now + lease;
            var claimed = await db.Jobs
                .Where(j => j.Id == id && (j.State == JobState.Queued || (j.State == JobState.Running && j.LeaseUntil < now)))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Running).SetProperty(j => j.LeaseToken, token).SetProperty(j => j.LeaseUntil, until)
                    .SetProperty(j => j.Attempts, j => j.Attempts + 1).SetProperty(j => j.StartedAt, j => j.StartedAt ?? now), cancellationToken);
            if (claimed == 1)
            {
                signals.Raise(id);
                return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id, cancellationToken);
            }
        }

        return null;
    }

    private static void Hold(JobRow job, Guid token, DateTime now, TimeSpan lease)
    {
        job.State = JobState.Running;
        job.LeaseToken = token;
        job.LeaseUntil = now + lease;
        job.Attempts++;
        job.StartedAt ??= now;
    }

    /// <summary>Extends the lease; false when the job is no longer this run's (taken over, or ended by a cancel).</summary>
    public async Task<bool> RenewAsync(long id, Guid token, TimeSpan lease, CancellationToken cancellationToken)
    {
        var until = Now + lease;
        return await db.Jobs.Where(j => j.Id == id && j.LeaseToken == token && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, until), cancellationToken) == 1;
    }

    /// <summary>Whether the job's owner or an admin asked it to stop.</summary>
    public Task<bool> CancelRequestedAsync(long id, CancellationToken cancellationToken) =>
        db.Jobs.Where(j => j.Id == id).Select(j => j.CancelRequested).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Saves progress and the checkpoint (renewing the lease); false when the run no longer holds the job or it is to stop.</summary>
    public async Task<bool> SaveAsync(long id, Guid token, TimeSpan lease, JobProgress progress, string? checkpoint, CancellationToken cancellationToken)
    {
        var until = Now + lease;
        var counts = Counts(progress);
        return Told(id, await db.Jobs.Where(j => j.Id == id && j.LeaseToken == token && j.State == JobState.Running && !j.CancelRequested)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Done, progress.Done).SetProperty(j => j.Total, progress.Total).SetProperty(j => j.Counts, counts)
                .SetProperty(j => j.Checkpoint, checkpoint).SetProperty(j => j.LeaseUntil, until), cancellationToken) == 1);
    }

    public static string? Counts(JobProgress progress) =>
        progress.Counts is { Count: > 0 } counts ? JsonSerializer.Serialize(counts.Take(JobProgress.MaxCounts).ToDictionary(c => c.Key.Length > 64 ? c.Key[..64] : c.Key, c => c.Value)) : null;

    /// <summary>Ends the run SUCCEEDED with its file; false when the job is no longer this run's.</summary>
    public async Task<bool> SucceedAsync(long id, Guid token, JobResult result, DateTime? expiresAt, CancellationToken cancellationToken)
    {
        var now = Now;
        return Told(id, await db.Jobs.Where(j => j.Id == id && j.LeaseToken == token && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Succeeded).SetProperty(j => j.FinishedAt, now).SetProperty(j => j.LeaseToken, (Guid?)null)
                .SetProperty(j => j.LeaseUntil, (DateTime?)null).SetProperty(j => j.ResultFile, result.FileName).SetProperty(j => j.ResultContentType, result.ContentType)
                .SetProperty(j => j.ResultName, result.DownloadName ?? result.FileName).SetProperty(j => j.ResultExpiresAt, expiresAt), cancellationToken) == 1);
    }

    /// <summary>Ends the run FAILED or CANCELLED; its work folder is kept until the retention for the owner to look at nothing (deleted by the sweep).</summary>
    public async Task<bool> EndAsync(long id, Guid token, JobState state, string? code, string? error, DateTime expiresAt, CancellationToken cancellationToken)
    {
        var now = Now;
        var message = error is { Length: > JobRow.MaxErrorLength } ? error[..JobRow.MaxErrorLength] : error;
        return Told(id, await db.Jobs.Where(j => j.Id == id && j.LeaseToken == token && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, state).SetProperty(j => j.FinishedAt, now).SetProperty(j => j.LeaseToken, (Guid?)null)
                .SetProperty(j => j.LeaseUntil, (DateTime?)null).SetProperty(j => j.ErrorCode, code).SetProperty(j => j.Error, message)
                .SetProperty(j => j.ResultExpiresAt, expiresAt), cancellationToken) == 1);
    }

    /// <summary>Tells this host's subscribers of a change that was made.</summary>
    private bool Told(long id, bool changed)
    {
        if (changed)
        {
            signals.Raise(id);
        }

        return changed;
    }

    /// <summary>Lets another host take the job at once (this host is stopping): the lease ends now, the checkpoint stays.</summary>
    public async Task ReleaseAsync(long id, Guid token, CancellationToken cancellationToken)
    {
        var now = Now;
        await db.Jobs.Where(j => j.Id == id && j.LeaseToken == token && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, now), cancellationToken);
    }
}
