using System.Net;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.PluginSdk.Data;

namespace Crm.Host.Tests.Jobs;

/// <summary>
/// Exports as a job: the file holds the owner's readable records that match, labelled in the owner's
/// language, list values by name, custom fields, cells that would be formulas neutralised; CSV and
/// XLSX read back with other libraries than the writers; the EXPORT right; bounded columns; the
/// download link needs the owner and expires; a page costs the same statements however many rows.
/// </summary>
public abstract class ExportTests(JobsHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static readonly string[] Columns = ["title", "sourceId", "opportunity", "currencyId"];

    /// <summary>A user reading the platform in Polish with READ and EXPORT on deals at <paramref name="readLevel"/>.</summary>
    private async Task<(string Id, string Key)> ExporterAsync(string readLevel = "ALL", bool export = true, string exportLevel = "ALL")
    {
        var permissions = new List<object> { new { entityType = "DEAL", action = "READ", level = readLevel } };
        if (export)
        {
            permissions.Add(new { entityType = "DEAL", action = "EXPORT", level = exportLevel });
        }

        var role = await Host.CreateRoleAsync("exporter", [.. permissions]);
        var (id, _, key) = await Host.NewUserWithKeyAsync("exporter");
        (await Host.AssignAsync(role, userId: id)).Ok();
        (await Host.MutateAsync("updateMyLanguage", "mutation { updateMyLanguage(language: \"pl\") { errors { code } } }", apiKey: key)).Ok();
        return (id, key);
    }

    private async Task<string> SourceNameAsync(string id) =>
        (await Host.QueryAsync("{ selectionList(entityId: \"SOURCE\") { items { id name } } }")).ShouldSucceed()
            .Data!["selectionList"]!["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == id)!["name"]!.GetValue<string>();

    [Fact]
    public async Task A_CSV_holds_labels_in_the_owners_language_list_names_custom_fields_and_neutralised_cells()
    {
        var marker = Records.NewMarker("csv");
        var code = CustomFieldHelpers.NewCode("NOTE");
        var note = await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "STRING", label = "Note", labels = new[] { new { language = "pl", text = "Notatka" } } });
        var budget = await Host.CreateFieldAsync(new { entityType = "DEAL", code = CustomFieldHelpers.NewCode("BUDGET"), type = "MONEY", label = "Budget" });
        var (noteName, budgetName) = (note["fieldName"]!.GetValue<string>(), budget["fieldName"]!.GetValue<string>());
        var (_, key) = await ExporterAsync();
        await Host.CreateDealAsync(new Dictionary<string, object?>
        {
            ["title"] = marker + " plain", ["sourceId"] = "CALL", ["opportunity"] = 1234.5m, ["currencyId"] = "PLN",
            [noteName] = "-1+1", [budgetName] = new { amount = 10.25m, currency = "EUR" },
        });
        await Host.CreateDealAsync(new { title = "=HYPERLINK(\"http://x\")" + marker, opportunity = 7m, currencyId = "USD" });

        var job = await Host.ExportedJobAsync(key, "DEAL", new { title = new { contains = marker } }, [.. Columns, noteName, budgetName], order: new[] { new { id = "ASC" } });
        Assert.Equal("QUEUED", (await Host.JobAsync(job, key))!["state"]!.GetValue<string>());
        await Host.RunJobsAsync();
        var file = await Host.FileOfAsync(job, key);

        Assert.Equal([0xEF, 0xBB, 0xBF], file[..3]);
        var rows = ExportFiles.ReadCsv(file);
        Assert.Equal(["Tytuł", "Źródło", "Kwota", "Waluta", "Notatka", "Budget"], rows[0]);
        Assert.Equal([marker + " plain", await SourceNameAsync("CALL"), "1234.5", "PLN", "'-1+1", "10.25 EUR"], rows[1]);
        Assert.Equal(["'=HYPERLINK(\"http://x\")" + marker, "", "7", "USD", "", ""], rows[2]);
        Assert.Equal(3, rows.Count);
        var done = (await Host.JobAsync(job, key))!;
        Assert.Equal((2, 2), (done["done"]!.GetValue<long>(), done["total"]!.GetValue<long>()));
    }

    [Fact]
    public async Task An_XLSX_written_by_one_library_reads_back_with_another()
    {
        var marker = Records.NewMarker("xlsx");
        var (_, key) = await ExporterAsync();
        for (var i = 0; i < 7; i++)
        {
            await Host.CreateDealAsync(new { title = $"{marker} {i}", sourceId = "WEB", opportunity = 100m + i, currencyId = "PLN" });
        }

        var job = await Host.ExportedJobAsync(key, "DEAL", new { title = new { startsWith = marker } }, Columns, "XLSX", new[] { new { opportunity = "DESC" } });
        await Host.RunJobsAsync();
        var rows = ExportFiles.ReadXlsx(await Host.FileOfAsync(job, key));

        Assert.Equal(["Tytuł", "Źródło", "Kwota", "Waluta"], rows[0]);
        Assert.Equal(Enumerable.Range(0, 7).Reverse().Select(i => $"{marker} {i}"), rows.Skip(1).Select(r => r[0]));
        Assert.All(rows.Skip(1), r => Assert.Equal(["PLN"], r[3..]));
        Assert.Equal("106", rows[1][2]);
    }

    [Fact]
    public async Task An_export_holds_only_readable_records_and_needs_the_export_right()
    {
        var marker = Records.NewMarker("own");
        var (id, key) = await ExporterAsync("OWN");
        var (someoneElse, _) = await ExporterAsync();
        var mine = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            mine.Add($"{marker} mine {i}");
            await Host.CreateDealAsync(new { title = mine[^1], assignedById = id });
            await Host.CreateDealAsync(new { title = $"{marker} other {i}", assignedById = someoneElse });
        }

        var job = await Host.ExportedJobAsync(key, "DEAL", new { title = new { startsWith = marker } }, ["title"]);
        await Host.RunJobsAsync();
        Assert.Equal(mine, ExportFiles.ReadCsv(await Host.FileOfAsync(job, key)).Skip(1).Select(r => r[0]).Order(StringComparer.Ordinal));

        // Reading every deal but exporting only one's own: the file holds the own ones.
        var (ownId, ownExporter) = await ExporterAsync("ALL", exportLevel: "OWN");
        await Host.CreateDealAsync(new { title = $"{marker} reader's own", assignedById = ownId });
        var ownJob = await Host.ExportedJobAsync(ownExporter, "DEAL", new { title = new { startsWith = marker } }, ["title"]);
        await Host.RunJobsAsync();
        Assert.Equal([$"{marker} reader's own"], ExportFiles.ReadCsv(await Host.FileOfAsync(ownJob, ownExporter)).Skip(1).Select(r => r[0]));

        var (_, reader) = await ExporterAsync(export: false);
        var refused = await Host.ExportAsync(reader, "DEAL", columns: ["title"]);
        Assert.Equal("FORBIDDEN", refused.ErrorCode());
        Assert.Null(refused["job"]);
    }

    [Fact]
    public async Task A_saved_view_exports_its_filter_and_the_given_where_in_its_order_with_its_columns()
    {
        var marker = Records.NewMarker("view");
        var (_, key) = await ExporterAsync();
        foreach (var (title, amount) in new[] { ("a", 1m), ("b", 10m), ("c", 20m) })
        {
            await Host.CreateDealAsync(new { title = $"{marker} {title}", opportunity = amount, currencyId = "PLN" });
        }

        await Host.CreateDealAsync(new { title = "outside " + marker, opportunity = 30m, currencyId = "PLN" });
        var view = (await Host.MutateAsync("createView", "mutation($input: CreateViewInput!) { createView(input: $input) { view { id } errors { code message path } } }", new
        {
            input = new
            {
                entityType = "deal",
                name = "Mine",
                columns = new object[] { new { field = "title" }, new { field = "opportunity" } },
                order = new object[] { new { field = "title", direction = "DESC" } },
                filter = new { title = new { startsWith = marker } },
            },
        }, key)).Ok()["view"]!["id"]!.GetValue<string>();

        var started = (await Host.QueryAsync("mutation($v: ID, $w: JSON) { exportRecords(entityType: DEAL, viewId: $v, where: $w, format: CSV) { job { id } errors { code message } } }",
            new { v = view, w = new { opportunity = new { gt = 5 } } }, key)).ShouldSucceed().Data!["exportRecords"]!.Ok();
        var job = started["job"]!["id"]!.GetValue<string>();
        await Host.RunJobsAsync();

        var rows = ExportFiles.ReadCsv(await Host.FileOfAsync(job, key));
        Assert.Equal(["Tytuł", "Kwota"], rows[0]);
        Assert.Equal([[$"{marker} c", "20"], [$"{marker} b", "10"]], rows.Skip(1));
        Assert.Equal(["VIEW_NOT_FOUND"], (await Host.QueryAsync("mutation { exportRecords(entityType: DEAL, viewId: \"999999\", format: CSV) { job { id } } }", apiKey: key)).ErrorCodes);
    }

    [Fact]
    public async Task Ten_times_the_columns_limit_is_refused_before_a_job_is_stored()
    {
        var (_, key) = await ExporterAsync();
        var columns = Enumerable.Repeat("title", 1000).ToArray();

        var refused = await Host.ExportAsync(key, "DEAL", columns: columns);

        Assert.Equal("LIMIT_EXCEEDED", refused.ErrorCode());
        Assert.Empty((await Host.QueryAsync("{ myJobs { id } }", apiKey: key)).ShouldSucceed().Data!["myJobs"]!.AsArray());
    }

    [Fact]
    public async Task Unknown_columns_and_a_bad_filter_are_refused()
    {
        var (_, key) = await ExporterAsync();

        Assert.Equal("INVALID_VALUE", (await Host.ExportAsync(key, "DEAL", columns: ["title", "noSuchField"])).ErrorCode());
        Assert.Equal("VALIDATION", (await Host.ExportAsync(key, "DEAL", where: new { noSuchField = new { eq = 1 } })).ErrorCode());
    }

    [Fact]
    public async Task The_download_link_needs_the_owner_and_expires()
    {
        var marker = Records.NewMarker("link");
        var (_, key) = await ExporterAsync();
        var (_, other) = await ExporterAsync();
        await Host.CreateDealAsync(new { title = marker });
        var job = await Host.ExportedJobAsync(key, "DEAL", new { title = new { eq = marker } }, ["title"]);
        await Host.RunJobsAsync();
        var url = (await Host.JobAsync(job, key))!["download"]!["url"]!.GetValue<string>();

        Assert.Null(await Host.JobAsync(job, other));
        using (var response = await Host.DownloadAsync(url, other))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var response = await Host.DownloadAsync(url, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await Host.DownloadAsync(url, CrmHost.AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Host.QueryRowsAsync($"UPDATE {Host.Table("platform", "jobs")} SET result_expires_at = @p0 WHERE id = @p1", new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), long.Parse(job, System.Globalization.CultureInfo.InvariantCulture));
        using (var response = await Host.DownloadAsync(url, key))
        {
            Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        }

        Assert.Null((await Host.JobAsync(job, key))!["download"]);
    }

    [Fact]
    public async Task A_page_costs_the_same_statements_however_many_pages_there_are()
    {
        var marker = Records.NewMarker("pages");
        var (_, key) = await ExporterAsync();
        for (var i = 0; i < 12; i++)
        {
            await Host.CreateDealAsync(new { title = $"{marker} {i:00}", sourceId = "CALL" });
        }

        async Task<int> StatementsAsync(int rows)
        {
            await Host.ExportedJobAsync(key, "DEAL", new { title = new { @in = Enumerable.Range(0, rows).Select(i => $"{marker} {i:00}").ToArray() } }, Columns);
            using var counted = SqlStatementCounter.BeginScope();
            await Host.RunJobsAsync();
            return counted.Count;
        }

        await StatementsAsync(3); // warms the host's caches
        // Each the fewer of two runs: a cache's periodic version check can land in either once (it did in a CI run).
        var onePage = Math.Min(await StatementsAsync(2), await StatementsAsync(2));
        var fourPages = Math.Min(await StatementsAsync(12), await StatementsAsync(12));

        // Each page after the first costs its list statement, its checkpoint, and the owner's rights: never a statement per row.
        Assert.True((fourPages - onePage) / 3.0 <= 4, $"{onePage} statements for one page, {fourPages} for four");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ExportOnSqlite(JobsSqliteHost fixture) : ExportTests(fixture), IClassFixture<JobsSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ExportOnPostgres(JobsPostgresHost fixture) : ExportTests(fixture), IClassFixture<JobsPostgresHost>;
