using Crm.PluginSdk.Security;

namespace Crm.Host.Jobs;

/// <summary>
/// <c>GET /jobs/{id}/file</c>: a finished job's file, streamed to its owner (or an admin) while it is
/// kept. Anonymous callers get 401, others' jobs 404 (as a job that does not exist), an expired or
/// deleted file 410.
/// </summary>
internal static class JobDownloads
{
    public static string UrlOf(long jobId) => $"/jobs/{jobId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/file";

    public static void MapJobDownloads(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/jobs/{id:long}/file", async (long id, HttpContext http, JobService jobs, JobFiles files, TimeProvider clock) =>
        {
            if (!http.RequestServices.GetRequiredService<ICurrentActor>().IsAuthenticated)
            {
                return Results.Problem("Downloading a job's file needs the owner's 'Authorization: Bearer'.", statusCode: StatusCodes.Status401Unauthorized);
            }

            if (await jobs.FindAsync(id, http.RequestAborted) is not { } job)
            {
                return Results.NotFound();
            }

            if (JobsSchemaContributor.Download(job, clock) is not { } download || files.FileOf(id, job.ResultFile!) is not { } path || !File.Exists(path))
            {
                return Results.Problem("The job has no file to download, or its file has expired.", statusCode: StatusCodes.Status410Gone);
            }

            http.Response.Headers.CacheControl = "private, no-store";
            return Results.File(path, download.ContentType ?? "application/octet-stream", download.FileName, enableRangeProcessing: true);
        });
}
