using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Jobs;

/// <summary>The states of a job; a job ends in one of the last three and never leaves it.</summary>
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>
/// A stored background job (<c>platform.jobs</c>): what a job kind runs, for whom, how far it got,
/// and which host holds it. <see cref="LeaseToken"/> and <see cref="LeaseUntil"/> are its holder's
/// claim: every write of a run is conditional on its token, so a host whose job was taken over
/// (its lease ran out) writes nothing more.
/// </summary>
public sealed class JobRow
{
    public const int MaxKindLength = 64;
    public const int MaxErrorLength = 2000;
    public const int MaxFileNameLength = 200;

    public long Id { get; set; }

    public string Kind { get; set; } = "";

    /// <summary>The kind's parameters as JSON (checked when the job was started).</summary>
    public string Parameters { get; set; } = "{}";

    public long OwnerId { get; set; }

    public JobState State { get; set; }

    public long Done { get; set; }

    public long? Total { get; set; }

    /// <summary>Named counts as a JSON object.</summary>
    public string? Counts { get; set; }

    /// <summary>Where a resumed run starts: the kind's own text.</summary>
    public string? Checkpoint { get; set; }

    public bool CancelRequested { get; set; }

    public Guid? LeaseToken { get; set; }

    public DateTime? LeaseUntil { get; set; }

    /// <summary>How many times a host claimed it (a resumed job was claimed more than once).</summary>
    public int Attempts { get; set; }

    public string? ErrorCode { get; set; }

    public string? Error { get; set; }

    /// <summary>The result file in the job's folder; null when it left none or the file was deleted.</summary>
    public string? ResultFile { get; set; }

    public string? ResultContentType { get; set; }

    public string? ResultName { get; set; }

    /// <summary>When the result file is deleted and its link stops working.</summary>
    public DateTime? ResultExpiresAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public static bool IsFinished(JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    internal static void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<JobRow>(job =>
        {
            job.ToTable("jobs");
            job.HasKey(j => j.Id);
            job.Property(j => j.Kind).HasMaxLength(MaxKindLength);
            job.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
            job.Property(j => j.ErrorCode).HasMaxLength(64);
            job.Property(j => j.Error).HasMaxLength(MaxErrorLength);
            job.Property(j => j.ResultFile).HasMaxLength(MaxFileNameLength);
            job.Property(j => j.ResultContentType).HasMaxLength(100);
            job.Property(j => j.ResultName).HasMaxLength(MaxFileNameLength);
            // What a runner claims: queued jobs, and running ones whose lease ran out, oldest first.
            job.HasIndex(j => new { j.State, j.LeaseUntil, j.Id });
            // An owner's jobs, newest first (myJobs; the unfinished-jobs limit).
            job.HasIndex(j => new { j.OwnerId, j.Id });
            // Results whose files are due for deletion.
            job.HasIndex(j => j.ResultExpiresAt);
        });
}
