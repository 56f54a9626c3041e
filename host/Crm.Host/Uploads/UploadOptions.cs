using Microsoft.Extensions.Options;

namespace Crm.Host.Uploads;

/// <summary>The <c>Uploads</c> section: how large an uploaded file may be, how much one owner may keep, how long it is kept, where.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>The largest file accepted, in bytes (50 MB): a larger one is refused 413 / LIMIT_EXCEEDED, at its declared length or as soon as it passes the limit.</summary>
    public long MaxFileBytes { get; set; } = 50 * 1_048_576;

    /// <summary>The most bytes one owner's unexpired uploads may hold together (1 GB): a file that would pass it is refused 413 / LIMIT_EXCEEDED.</summary>
    public long MaxBytesPerOwner { get; set; } = 1024L * 1_048_576;

    /// <summary>The most unexpired uploads one owner may hold (100): one more is refused 413 / LIMIT_EXCEEDED.</summary>
    public int MaxFilesPerOwner { get; set; } = 100;

    /// <summary>How long an uploaded file is kept; then the sweep deletes it and its id stops working.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often a host deletes expired uploads.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Where the files are kept: a folder every host of a deployment shares (relative to the working folder).</summary>
    public string FilesPath { get; set; } = "data/uploads";

    /// <summary>The most files one GraphQL multipart request may carry.</summary>
    public int MaxFilesPerRequest { get; set; } = 5;

    /// <summary>The largest <c>map</c> part of a GraphQL multipart request, in bytes.</summary>
    public int MaxMapBytes { get; set; } = 16_384;
}

public sealed class UploadOptionsValidation : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        var problems = new List<string>();
        if (options.MaxFileBytes is < 1024 or > 10L * 1024 * 1_048_576)
        {
            problems.Add("Uploads:MaxFileBytes must be 1 KB to 10 GB.");
        }

        if (options.MaxBytesPerOwner is < 1024 or > 1024L * 1024 * 1_048_576)
        {
            problems.Add("Uploads:MaxBytesPerOwner must be 1 KB to 1 TB.");
        }

        if (options.MaxFilesPerOwner is < 1 or > 100_000)
        {
            problems.Add("Uploads:MaxFilesPerOwner must be 1 to 100000.");
        }

        if (options.Retention < TimeSpan.FromMinutes(1) || options.Retention > TimeSpan.FromDays(30))
        {
            problems.Add("Uploads:Retention must be 1 minute to 30 days.");
        }

        if (options.SweepInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add("Uploads:SweepInterval must be at least 1 second.");
        }

        if (string.IsNullOrWhiteSpace(options.FilesPath))
        {
            problems.Add("Uploads:FilesPath must name a folder.");
        }

        if (options.MaxFilesPerRequest is < 1 or > 100)
        {
            problems.Add("Uploads:MaxFilesPerRequest must be 1 to 100.");
        }

        if (options.MaxMapBytes is < 64 or > 1_048_576)
        {
            problems.Add("Uploads:MaxMapBytes must be 64 to 1048576.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
