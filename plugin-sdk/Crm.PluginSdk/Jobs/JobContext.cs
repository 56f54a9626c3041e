namespace Crm.PluginSdk.Jobs;

/// <summary>How far a job is: units done of the total (when known), and named counts (rows, refused ...).</summary>
/// <param name="Done">Units done (rows written, records changed).</param>
/// <param name="Total">All units, when known.</param>
/// <param name="Counts">Named counts the job's owner sees (at most <see cref="MaxCounts"/>, names at most 64 characters).</param>
public sealed record JobProgress(long Done, long? Total = null, IReadOnlyDictionary<string, long>? Counts = null)
{
    /// <summary>The most named counts a job reports.</summary>
    public const int MaxCounts = 20;
}

/// <summary>
/// What a finished job leaves: a file in its <see cref="JobContext{TParameters}.WorkFolder"/> that its
/// owner downloads through an expiring link (or none), and the last progress.
/// </summary>
/// <param name="FileName">A file name (no folder) in the job's work folder; null when the job leaves no file.</param>
/// <param name="ContentType">The file's media type (<c>text/csv</c>).</param>
/// <param name="DownloadName">The name a browser saves it as; <paramref name="FileName"/> when null.</param>
public sealed record JobResult(string? FileName = null, string? ContentType = null, string? DownloadName = null)
{
    public static JobResult Empty { get; } = new();
}

/// <summary>The host's side of a running job, behind <see cref="JobContext{TParameters}"/>.</summary>
internal abstract class JobRun
{
    public abstract long JobId { get; }

    public abstract long OwnerId { get; }

    public abstract string? Checkpoint { get; }

    public abstract CancellationToken CancellationToken { get; }

    public abstract string WorkFolder { get; }

    public abstract Task SaveAsync(JobProgress progress, string? checkpoint);

    public abstract Task<T> AsOwnerAsync<T>(Func<IServiceProvider, Task<T>> work);
}

/// <summary>One run of a job, as its kind sees it.</summary>
public sealed class JobContext<TParameters>
    where TParameters : class
{
    private readonly JobRun _run;

    internal JobContext(JobRun run, TParameters parameters)
    {
        _run = run;
        Parameters = parameters;
    }

    public long JobId => _run.JobId;

    /// <summary>The user who started the job: it runs with their rights, read afresh for each <see cref="AsOwnerAsync{T}"/>.</summary>
    public long OwnerId => _run.OwnerId;

    public TParameters Parameters { get; }

    /// <summary>The checkpoint last saved (<see cref="SaveAsync"/>) by any host; null on a job's first run.</summary>
    public string? Checkpoint => _run.Checkpoint;

    /// <summary>Cancelled when the owner (or an admin) cancels the job, the host stops, or another host took the job over.</summary>
    public CancellationToken CancellationToken => _run.CancellationToken;

    /// <summary>
    /// A folder of this job's own, kept until its result expires (<c>Jobs:FilesPath</c>; shared by
    /// every host of a deployment), where a resumed run finds what earlier runs wrote.
    /// </summary>
    public string WorkFolder => _run.WorkFolder;

    /// <summary>
    /// Stores progress and the checkpoint a resumed run starts from, durably and only while this host
    /// still holds the job: throws <see cref="OperationCanceledException"/> when it no longer does or
    /// the job was cancelled. Save after the work the checkpoint covers is itself durable.
    /// </summary>
    public Task SaveAsync(JobProgress progress, string? checkpoint) => _run.SaveAsync(progress, checkpoint);

    /// <summary>
    /// Runs <paramref name="work"/> in a service scope of its own whose <see cref="Security.ICurrentActor"/> is
    /// the owner with their rights as they are now (the SDK checks them as in a request). Throws
    /// <see cref="JobFailedException"/> (FORBIDDEN) when the owner no longer exists or is disabled.
    /// </summary>
    public Task<T> AsOwnerAsync<T>(Func<IServiceProvider, Task<T>> work) => _run.AsOwnerAsync(work);
}
