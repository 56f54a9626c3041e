using System.Net;
using System.Text.Json.Nodes;
using Crm.Host.Jobs;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Jobs;

/// <summary>
/// A host whose jobs run when a test says (<see cref="ExportFiles.RunJobsAsync"/>), in small pages (3
/// rows), keeping files in a folder of its own.
/// </summary>
public abstract class JobsHost(Engine engine) : HostFixture(engine)
{
    public string FilesPath { get; } = Directory.CreateTempSubdirectory("crm-test-jobs-").FullName;

    public static IReadOnlyDictionary<string, string?> SettingsFor(string filesPath) => new Dictionary<string, string?>
    {
        ["Jobs:Enabled"] = "false",
        ["Jobs:FilesPath"] = filesPath,
        ["Export:PageSize"] = "3",
    };

    protected override IReadOnlyDictionary<string, string?> Settings => SettingsFor(FilesPath);

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

public sealed class JobsSqliteHost() : JobsHost(Engine.Sqlite);

public sealed class JobsPostgresHost() : JobsHost(Engine.Postgres);

/// <summary>Starting exports, running jobs, downloading and reading the files back (with other libraries than the writers).</summary>
public static class ExportFiles
{
    public const string JobFields = "id state done total attempts errorCode error cancelRequested download { url fileName contentType expiresAt }";

    public static async Task<JsonNode> ExportAsync(this CrmHost host, string apiKey, string entityType, object? where = null, string[]? columns = null, string format = "CSV", object? order = null)
    {
        var response = (await host.QueryAsync(
            $"mutation($t: CrmEntityType!, $w: JSON, $o: JSON, $c: [String!], $f: ExportFormat!) {{ exportRecords(entityType: $t, where: $w, order: $o, columns: $c, format: $f) {{ job {{ {JobFields} }} errors {{ code message path }} }} }}",
            new { t = entityType, w = where, o = order, c = columns, f = format }, apiKey)).ShouldSucceed();
        return response.Data!["exportRecords"]!;
    }

    public static async Task<string> ExportedJobAsync(this CrmHost host, string apiKey, string entityType, object? where = null, string[]? columns = null, string format = "CSV", object? order = null)
    {
        var payload = (await host.ExportAsync(apiKey, entityType, where, columns, format, order)).Ok();
        return payload["job"]!["id"]!.GetValue<string>();
    }

    public static Task RunJobsAsync(this CrmHost host) => host.Services.GetRequiredService<JobRunner>().RunDueAsync();

    public static async Task<JsonNode?> JobAsync(this CrmHost host, string id, string apiKey = CrmHost.AdminKey) =>
        (await host.QueryAsync($"query($id: ID!) {{ job(id: $id) {{ {JobFields} }} }}", new { id }, apiKey)).ShouldSucceed().Data!["job"];

    public static async Task<HttpResponseMessage> DownloadAsync(this CrmHost host, string url, string? apiKey)
    {
        using var client = host.CreateClient(apiKey);
        return await client.GetAsync(new Uri(url, UriKind.Relative));
    }

    /// <summary>The job's file, once it succeeded, as bytes.</summary>
    public static async Task<byte[]> FileOfAsync(this CrmHost host, string jobId, string apiKey)
    {
        var job = await host.JobAsync(jobId, apiKey);
        Assert.True(job!["state"]!.GetValue<string>() == "SUCCEEDED", $"The job did not succeed: {job.ToJsonString()}");
        using var response = await host.DownloadAsync(job["download"]!["url"]!.GetValue<string>(), apiKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>A CSV's rows (the labels first), read with Sylvan.Data.Csv.</summary>
    public static List<string[]> ReadCsv(byte[] file)
    {
        using var reader = new StreamReader(new MemoryStream(file), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        using var csv = Sylvan.Data.Csv.CsvDataReader.Create(reader, new Sylvan.Data.Csv.CsvDataReaderOptions { HasHeaders = false });
        var rows = new List<string[]>();
        while (csv.Read())
        {
            rows.Add([.. Enumerable.Range(0, csv.RowFieldCount).Select(csv.GetString)]);
        }

        return rows;
    }

    /// <summary>An XLSX's first sheet's rows, read with DocumentFormat.OpenXml.</summary>
    public static List<string[]> ReadXlsx(byte[] file)
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(file), false);
        var workbook = document.WorkbookPart!;
        var shared = workbook.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(i => i.InnerText).ToList() ?? [];
        var sheet = workbook.WorksheetParts.First().Worksheet;
        var rows = new List<string[]>();
        foreach (var row in sheet.Descendants<Row>())
        {
            var cells = new List<string>();
            foreach (var cell in row.Elements<Cell>())
            {
                var column = ColumnIndex(cell.CellReference!.Value!);
                while (cells.Count < column)
                {
                    cells.Add("");
                }

                cells.Add(cell.DataType?.Value == CellValues.SharedString ? shared[int.Parse(cell.CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture)]
                    : cell.DataType?.Value == CellValues.InlineString ? cell.InlineString!.InnerText
                    : cell.CellValue?.Text ?? "");
            }

            rows.Add([.. cells]);
        }

        return rows;
    }

    private static int ColumnIndex(string reference)
    {
        var index = 0;
        foreach (var c in reference.TakeWhile(char.IsLetter))
        {
            index = index * 26 + (c - 'A' + 1);
        }

        return index - 1;
    }
}
