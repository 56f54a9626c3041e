using Microsoft.Extensions.Options;

namespace Crm.Host.Jobs;

/// <summary>The folders jobs keep their files in: one per job under <see cref="JobOptions.FilesPath"/>.</summary>
internal sealed class JobFiles(IOptions<JobOptions> options)
{
    private readonly string _root = Path.GetFullPath(options.Value.FilesPath);

    public string FolderOf(long jobId) => Path.Combine(_root, jobId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The job's result file; null when the name would leave its folder.</summary>
    public string? FileOf(long jobId, string fileName) =>
        Path.GetFileName(fileName) == fileName ? Path.Combine(FolderOf(jobId), fileName) : null;

    public void Delete(long jobId)
    {
        var folder = FolderOf(jobId);
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still open (a download in progress on Windows): the folder is left behind; its link has expired all the same.
        }
    }
}
