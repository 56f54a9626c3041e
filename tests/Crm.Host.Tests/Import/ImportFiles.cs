using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Import;

/// <summary>
/// A host for uploads and imports: jobs run on demand, files in temporary folders, small bounds so
/// that ten times each is cheap to send, and batches of three rows so that a few rows span batches.
/// </summary>
public abstract class ImportHost(Engine engine) : HostFixture(engine)
{
    public const long MaxFileBytes = 64 * 1024;
    public const int MaxRows = 60;
    public const int MaxColumns = 20;
    public const int MaxCellLength = 200;
    public const int MaxMappingEntries = 10;
    public const int MaxDefaultsBytes = 512;
    public const int BatchSize = 3;

    public string FilesPath { get; } = Directory.CreateTempSubdirectory("crm-test-import-").FullName;

    protected override IReadOnlyDictionary<string, string?> Settings => SettingsFor(FilesPath);

    /// <summary>The settings of a host sharing <paramref name="filesPath"/>'s jobs and uploads (a second host resuming a job).</summary>
    public static IReadOnlyDictionary<string, string?> SettingsFor(string filesPath) => new Dictionary<string, string?>(JobsHost.SettingsFor(Path.Combine(filesPath, "jobs")))
    {
        ["Uploads:FilesPath"] = Path.Combine(filesPath, "uploads"),
        ["Uploads:MaxFileBytes"] = MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Uploads:MaxFilesPerRequest"] = "2",
        ["Import:MaxRows"] = MaxRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Import:MaxColumns"] = MaxColumns.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Import:MaxCellLength"] = MaxCellLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Import:MaxMappingEntries"] = MaxMappingEntries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Import:MaxDefaultsBytes"] = MaxDefaultsBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Import:BatchSize"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(FilesPath, recursive: true);
        }
        catch (IOException)
        {
            // Left to the OS's temp cleaning.
        }
    }
}

public sealed class ImportSqliteHost() : ImportHost(Engine.Sqlite);

public sealed class ImportPostgresHost() : ImportHost(Engine.Postgres);

/// <summary>Uploading files, starting imports, reading what they did.</summary>
public static class ImportFiles
{
    public const string StartImport =
        "mutation($t: CrmEntityType!, $f: ID!, $o: ImportOptionsInput) { startImport(entityType: $t, fileId: $f, options: $o) { job { id state } errors { code message path } } }";

    public static async Task<HttpResponseMessage> PostUploadAsync(this CrmHost host, byte[] content, string fileName, string? apiKey = CrmHost.AdminKey)
    {
        using var client = host.CreateClient(apiKey);
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return await client.PostAsync(new Uri($"/uploads?fileName={Uri.EscapeDataString(fileName)}", UriKind.Relative), body);
    }

    /// <summary>Uploads <paramref name="content"/> and answers the file's id.</summary>
    public static async Task<string> UploadAsync(this CrmHost host, byte[] content, string fileName = "data.csv", string? apiKey = CrmHost.AdminKey)
    {
        using var response = await host.PostUploadAsync(content, fileName, apiKey);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    public static async Task<JsonNode> StartImportAsync(this CrmHost host, string entityType, string fileId, object options, string? apiKey = CrmHost.AdminKey) =>
        (await host.QueryAsync(StartImport, new { t = entityType, f = fileId, o = options }, apiKey)).ShouldSucceed().Data!["startImport"]!;

    /// <summary>Uploads, imports and runs the job to its end; answers the finished job.</summary>
    public static async Task<JsonNode> ImportAsync(this CrmHost host, string entityType, byte[] file, object options, string? apiKey = CrmHost.AdminKey, string fileName = "data.csv")
    {
        var fileId = await host.UploadAsync(file, fileName, apiKey);
        var start = (await host.StartImportAsync(entityType, fileId, options, apiKey)).Ok();
        var jobId = start["job"]!["id"]!.GetValue<string>();
        await host.RunJobsAsync();
        return (await host.JobWithCountsAsync(jobId, apiKey ?? CrmHost.AdminKey))!;
    }

    public static async Task<JsonNode?> JobWithCountsAsync(this CrmHost host, string id, string apiKey = CrmHost.AdminKey) =>
        (await host.QueryAsync($"query($id: ID!) {{ job(id: $id) {{ {ExportFiles.JobFields} counts }} }}", new { id }, apiKey)).ShouldSucceed().Data!["job"];

    public static long Count(this JsonNode job, string name) => job["counts"]![name]?.GetValue<long>() ?? 0;

    /// <summary>Contacts whose last name starts with <paramref name="marker"/>, oldest first.</summary>
    public static async Task<JsonArray> ContactsAsync(this CrmHost host, string marker) =>
        (await host.QueryAsync("query($m: String!) { contacts(where: { lastName: { startsWith: $m } }, order: [{ id: ASC }], first: 100) { nodes { id name lastName post sourceId birthdate emails { value valueType } phones { value valueType } } } }",
            new { m = marker })).ShouldSucceed().Data!["contacts"]!["nodes"]!.AsArray();

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
