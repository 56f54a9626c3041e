using Microsoft.Extensions.Options;

namespace Crm.Host.Jobs;

/// <summary>The <c>Jobs</c> section: how many jobs a host runs, how it holds them, how long their files stay.</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary>Whether this host runs jobs (every host stores and reports them).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most jobs this host runs at once.</summary>
    public int MaxConcurrentJobs { get; set; } = 2;

    /// <summary>How often an idle host looks for queued jobs (a job started on this host wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a claim holds without a heartbeat; renewed every third of it. A job whose host died is resumed by another after it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a <c>jobProgress</c> subscription reads its job when no change on this host woke it (a job running on another host).</summary>
    public TimeSpan ProgressPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a finished job's file (and its download link) is kept.</summary>
    public TimeSpan FileRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The most unfinished (queued or running) jobs one user may have.</summary>
    public int MaxQueuedPerUser { get; set; } = 5;

    /// <summary>Where jobs keep their files: a folder every host of a deployment shares (relative to the working folder).</summary>
    public string FilesPath { get; set; } = "data/jobs";

    /// <summary>The most jobs <c>myJobs</c> returns at once.</summary>
    public const int MaxPageSize = 100;
}

public sealed class JobOptionsValidation : IValidateOptions<JobOptions>
{
    public ValidateOptionsResult Validate(string? name, JobOptions options)
    {
        var problems = new List<string>();
        if (options.MaxConcurrentJobs is < 1 or > 64)
        {
            problems.Add("Jobs:MaxConcurrentJobs must be 1 to 64.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(100))
        {
            problems.Add("Jobs:PollInterval must be at least 100 ms.");
        }

        if (options.ProgressPollInterval < TimeSpan.FromMilliseconds(100))
        {
            problems.Add("Jobs:ProgressPollInterval must be at least 100 ms.");
        }

        if (options.LeaseDuration < TimeSpan.FromSeconds(3))
        {
            problems.Add("Jobs:LeaseDuration must be at least 3 seconds.");
        }

        if (options.FileRetention < TimeSpan.FromMinutes(1) || options.FileRetention > TimeSpan.FromDays(30))
        {
            problems.Add("Jobs:FileRetention must be 1 minute to 30 days.");
        }

        if (options.MaxQueuedPerUser is < 1 or > 1000)
        {
            problems.Add("Jobs:MaxQueuedPerUser must be 1 to 1000.");
        }

        if (string.IsNullOrWhiteSpace(options.FilesPath))
        {
            problems.Add("Jobs:FilesPath must name a folder.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
