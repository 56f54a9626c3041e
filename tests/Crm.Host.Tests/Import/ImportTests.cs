using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Import;

/// <summary>
/// Imports of contacts: files written by other programs (Windows-1250 with Polish letters,
/// semicolons and quoted newlines, an XLSX of another library), a suggested mapping from Bitrix24's
/// headers, bad rows reported and re-importable, dry runs, duplicates, custom and multi-value
/// fields, the IMPORT right and the bounds (ten times each).
/// </summary>
public abstract partial class ImportTests(ImportHost fixture)
{
    private ImportHost Fixture => fixture;

    private CrmHost Host => fixture.Host;

    private static readonly Encoding Windows1250 = CodePages();

    private static Encoding CodePages()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(1250);
    }

    private async Task<JsonNode> PreviewAsync(string fileId, object? options = null) =>
        (await Host.QueryAsync("query($f: ID!, $o: ImportOptionsInput) { previewImport(entityType: CONTACT, fileId: $f, options: $o) { format encoding delimiter headers rows suggestedMapping { column field } errors { code message } } }",
            new { f = fileId, o = options })).ShouldSucceed().Data!["previewImport"]!;

    private static object[] Mapping(params (string Column, string Field)[] entries) => [.. entries.Select(e => new { column = e.Column, field = e.Field })];

    [Fact]
    public async Task A_Windows_1250_file_of_Bitrix24_headers_is_detected_mapped_and_imported()
    {
        var marker = Records.NewMarker("Żółć");
        var csv = $"Imię;Nazwisko;E-mail służbowy;Telefon komórkowy;Stanowisko\r\nŁucja;{marker} Ślązak;lucja@example.pl;+48 600 100 200;Główna księgowa\r\nJędrzej;{marker} Gęś;;;\r\n";
        var fileId = await Host.UploadAsync(Windows1250.GetBytes(csv), "bitrix.csv");

        var preview = await PreviewAsync(fileId);
        Assert.Equal(("CSV", "WINDOWS-1250", ";"), (preview["format"]!.GetValue<string>(), preview["encoding"]!.GetValue<string>(), preview["delimiter"]!.GetValue<string>()));
        var suggested = preview["suggestedMapping"]!.AsArray().ToDictionary(m => m!["column"]!.GetValue<string>(), m => m!["field"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, string>
        {
            ["Imię"] = "name", ["Nazwisko"] = "lastName", ["E-mail służbowy"] = "emails", ["Telefon komórkowy"] = "phones:MOBILE", ["Stanowisko"] = "post",
        }, suggested);

        var start = (await Host.StartImportAsync("CONTACT", fileId, new { mapping = preview["suggestedMapping"] })).Ok();
        await Host.RunJobsAsync();
        var job = (await Host.JobWithCountsAsync(start["job"]!["id"]!.GetValue<string>()))!;

        Assert.Equal(("SUCCEEDED", 2L, 0L), (job["state"]!.GetValue<string>(), job.Count("imported"), job.Count("rejected")));
        var contacts = await Host.ContactsAsync(marker);
        Assert.Equal(["Łucja", "Jędrzej"], contacts.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("Główna księgowa", contacts[0]!["post"]!.GetValue<string>());
        Assert.Equal(("+48 600 100 200", "MOBILE"), (contacts[0]!["phones"]![0]!["value"]!.GetValue<string>(), contacts[0]!["phones"]![0]!["valueType"]!.GetValue<string>()));
        Assert.Null(job["download"]);

        // Its records say where they came from: "import N" on their timeline.
        await Host.DeliverAsync();
        var timeline = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { timeline { nodes { kind actor { kind via } } } } }", new { id = contacts[0]!["id"]!.GetValue<string>() }))
            .ShouldSucceed().Data!["contact"]!["timeline"]!["nodes"]!.AsArray();
        var created = timeline.Single(n => n!["kind"]!.GetValue<string>() == "created")!;
        Assert.Equal(("IMPORT", "import:" + start["job"]!["id"]!.GetValue<string>()), (created["actor"]!["kind"]!.GetValue<string>(), created["actor"]!["via"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Quoted_newlines_and_semicolons_are_read_as_one_cell()
    {
        var marker = Records.NewMarker("quoted");
        var csv = "\uFEFFFirst name;Last name;Comments\n" + $"Ada;{marker};\"line one\nline two; still the comment\"\nBob;{marker}b;plain\n";
        var job = await Host.ImportAsync("CONTACT", Encoding.UTF8.GetBytes(csv), new { mapping = Mapping(("First name", "name"), ("Last name", "lastName"), ("Comments", "comments")) });

        Assert.Equal(2L, job.Count("imported"));
        var comments = (await Host.QueryAsync("query($m: String!) { contacts(where: { lastName: { startsWith: $m } }, order: [{ id: ASC }]) { nodes { comments } } }", new { m = marker }))
            .ShouldSucceed().Data!["contacts"]!["nodes"]!.AsArray().Select(n => n!["comments"]!.GetValue<string>());
        Assert.Equal(["line one\nline two; still the comment", "plain"], comments);
    }

    [Fact]
    public async Task Bad_rows_are_reported_with_row_column_and_reason_the_rest_imported_and_the_rejected_file_imports_again()
    {
        var marker = Records.NewMarker("bad");
        var lines = new List<string> { "Name,Last name,Birthdate,Email" };
        for (var i = 1; i <= 20; i++)
        {
            // Rows 5 and 15 (the header is row 1) are bad: a date that is none.
            var birthdate = i is 4 or 14 ? "someday" : "1990-01-02";
            lines.Add($"P{i},{marker},{birthdate},p{i}.{marker}@example.com");
        }

        var mapping = Mapping(("Name", "name"), ("Last name", "lastName"), ("Birthdate", "birthdate"), ("Email", "emails"));
        var job = await Host.ImportAsync("CONTACT", Encoding.UTF8.GetBytes(string.Join("\n", lines)), new { mapping });

        Assert.Equal(("SUCCEEDED", 18L, 2L), (job["state"]!.GetValue<string>(), job.Count("imported"), job.Count("rejected")));
        Assert.Equal(18, (await Host.ContactsAsync(marker)).Count);
        var rejected = ExportFiles.ReadCsv(await Host.FileOfAsync(job["id"]!.GetValue<string>(), CrmHost.AdminKey));
        Assert.Equal(["Name", "Last name", "Birthdate", "Email", "Import error"], rejected[0]);
        Assert.Equal(["P4", "P14"], rejected.Skip(1).Select(r => r[0]));
        Assert.StartsWith("Row 5, column 'Birthdate': 'someday' is not a date", rejected[1][4]);
        Assert.StartsWith("Row 15, column 'Birthdate':", rejected[2][4]);

        // Fixed and imported again as it is (its extra column left unmapped).
        var fixedRows = rejected.Select((r, i) => i == 0 ? r : [r[0], r[1], "1991-03-04", r[3], r[4]]);
        var again = await Host.ImportAsync("CONTACT", Encoding.UTF8.GetBytes(string.Join("\n", fixedRows.Select(r => string.Join(",", r.Select(Quote))))), new { mapping });
        Assert.Equal((2L, 0L), (again.Count("imported"), again.Count("rejected")));
        Assert.Equal(20, (await Host.ContactsAsync(marker)).Count);
    }

    private static string Quote(string cell) => cell.Contains(',', StringComparison.Ordinal) || cell.Contains('"', StringComparison.Ordinal) ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;

    [Fact]
    public async Task A_dry_run_checks_every_row_and_writes_nothing()
    {
        var marker = Records.NewMarker("dry");
        var csv = $"Name,Last name,Birthdate\nA,{marker},1990-01-01\nB,{marker},nope\nC,{marker},\nD,{marker},\n";
        var job = await Host.ImportAsync("CONTACT", Encoding.UTF8.GetBytes(csv), new { dryRun = true, mapping = Mapping(("Name", "name"), ("Last name", "lastName"), ("Birthdate", "birthdate")) });

        Assert.Equal(("SUCCEEDED", 3L, 1L), (job["state"]!.GetValue<string>(), job.Count("imported"), job.Count("rejected")));
        Assert.Empty(await Host.ContactsAsync(marker));
        Assert.Equal(2, ExportFiles.ReadCsv(await Host.FileOfAsync(job["id"]!.GetValue<string>(), CrmHost.AdminKey)).Count);
    }

    [Fact]
    public async Task Duplicates_by_email_are_skipped_or_update_the_existing_record()
    {
        var marker = Records.NewMarker("dup");
        var email = $"{marker}@example.com";
        var first = await Host.ImportAsync("CONTACT", Encoding.UTF8.GetBytes($"Name,Last name,Email\nOld,{marker},{email}\n"), new { mapping = Mapping(("Name", "name"), ("Last name", "lastName"), ("Email", "emails")) });
        Assert.Equal(1L, first.Count("imported"));
        var file = Encoding.UTF8.GetBytes($"Name,Last name,Email,Position\nNew,{marker},{email.ToUpperInvariant()},Chief\nOther,{marker}x,other.{email},\n");
        var mapping = Mapping(("Name", "name"), ("Last name", "lastName"), ("Email", "emails"), ("Position", "post"));

        var skipped = await Host.ImportAsync("CONTACT", file, new { duplicates = "SKIP", matchBy = "EMAIL", mapping });
        Assert.Equal((1L, 1L, 0L), (skipped.Count("imported"), skipped.Count("skipped"), skipped.Count("updated")));
        Assert.Equal(["Old", "Other"], (await Host.ContactsAsync(marker)).Select(c => c!["name"]!.GetValue<string>()));

        var updated = await Host.ImportAsync("CONTACT", file, new { duplicates = "UPDATE", matchBy = "EMAIL", mapping });
        Assert.Equal((0L, 2L), (updated.Count("imported"), updated.Count("updated")));
        var contacts = await Host.ContactsAsync(marker);
        Assert.Equal(["New", "Other"], contacts.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("Chief", contacts[0]!["post"]!.GetValue<string>());

        // Matching needs a rule.
        var refused = await Host.StartImportAsync("CONTACT", await Host.UploadAsync(file), new { duplicates = "SKIP", mapping = Mapping(("Name", "name")) });
        Assert.Equal("INVALID_VALUE", refused.ErrorCode());
    }

    [Fact]
    public async Task Duplicates_by_name_in_the_same_company_are_skipped()
    {
        var marker = Records.NewMarker("named");
        var company = await Host.CreateCompanyAsync(new { title = marker + " Sp. z o.o." });
        var other = await Host.CreateCompanyAsync(new { title = marker + " S.A." });
        await Host.CreateContactAsync(new { name = "Anna", lastName = marker, companyIds = new[] { company } });
        // The same name in the same company (without case or accents), and in another company.
        var file = Encoding.UTF8.GetBytes($"Name,Last name,Company ID\nANNA,{marker.ToUpperInvariant()},{company}\nAnna,{marker},{other}\n");

        var job = await Host.ImportAsync("CONTACT", file, new
        {
            duplicates = "SKIP",
            matchBy = "NAME_IN_COMPANY",
            mapping = Mapping(("Name", "name"), ("Last name", "lastName"), ("Company ID", "companyIds")),
        });

        Assert.Equal((1L, 1L), (job.Count("imported"), job.Count("skipped")));
        Assert.Equal(2, (await Host.ContactsAsync(marker)).Count);
    }

    [Fact]
    public async Task An_XLSX_written_by_another_library_imports_with_a_custom_field_and_several_values_in_a_cell()
    {
        var marker = Records.NewMarker("xlsx");
        var code = CustomFieldHelpers.NewCode("HOBBY");
        var hobby = await Host.CreateFieldAsync(new { entityType = "CONTACT", code, type = "STRING", label = "Hobby", multiple = true, labels = new[] { new { language = "pl", text = "Hobby PL" } } });
        var level = await Host.CreateFieldAsync(new { entityType = "CONTACT", code = CustomFieldHelpers.NewCode("LEVEL"), type = "INTEGER", label = "Poziom" });
        var (hobbyName, levelName) = (hobby["fieldName"]!.GetValue<string>(), level["fieldName"]!.GetValue<string>());
        var sheet = ImportSheets.Xlsx([
            ["Imię", "Nazwisko", "E-mail", "Hobby PL", "Poziom"],
            ["Ola", marker, $"a.{marker}@example.com; b.{marker}@example.com", "chess; sailing", "3"],
            ["Ela", marker + "2", "", "", "12"],
        ]);
        var fileId = await Host.UploadAsync(sheet, "kontakty.xlsx");

        var preview = await PreviewAsync(fileId);
        Assert.Equal("XLSX", preview["format"]!.GetValue<string>());
        var suggested = preview["suggestedMapping"]!.AsArray().ToDictionary(m => m!["column"]!.GetValue<string>(), m => m!["field"]!.GetValue<string>());
        Assert.Equal((hobbyName, levelName), (suggested["Hobby PL"], suggested["Poziom"]));

        (await Host.StartImportAsync("CONTACT", fileId, new { mapping = preview["suggestedMapping"] })).Ok();
        await Host.RunJobsAsync();
        var contacts = (await Host.QueryAsync($"query($m: String!) {{ contacts(where: {{ lastName: {{ startsWith: $m }} }}, order: [{{ id: ASC }}]) {{ nodes {{ name emails {{ value }} {hobbyName} {levelName} }} }} }}",
            new { m = marker })).ShouldSucceed().Data!["contacts"]!["nodes"]!.AsArray();
        Assert.Equal(2, contacts.Count);
        Assert.Equal([$"a.{marker}@example.com", $"b.{marker}@example.com"], contacts[0]!["emails"]!.AsArray().Select(e => e!["value"]!.GetValue<string>()));
        Assert.Equal(["chess", "sailing"], contacts[0]![hobbyName]!.AsArray().Select(h => h!.GetValue<string>()));
        Assert.Equal(12, contacts[1]![levelName]!.GetValue<int>());
    }

    [Fact]
    public async Task Importing_needs_the_IMPORT_right()
    {
        var role = await Host.CreateRoleAsync("adder", [new { entityType = "CONTACT", action = "READ", level = "ALL" }, new { entityType = "CONTACT", action = "ADD", level = "ALL" }]);
        var (id, _, key) = await Host.NewUserWithKeyAsync("adder");
        (await Host.AssignAsync(role, userId: id)).Ok();
        var fileId = await Host.UploadAsync(Encoding.UTF8.GetBytes("Name\nX\n"), apiKey: key);

        var refused = await Host.StartImportAsync("CONTACT", fileId, new { mapping = Mapping(("Name", "name")) }, key);
        Assert.Equal("FORBIDDEN", refused.ErrorCode());
        Assert.Null(refused["job"]);
        Assert.Equal("FORBIDDEN", (await Host.QueryAsync("query($f: ID!) { previewImport(entityType: CONTACT, fileId: $f) { errors { code } } }", new { f = fileId }, key))
            .ShouldSucceed().Data!["previewImport"]!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_default_its_field_refuses_is_refused_at_the_start_where_it_was_given()
    {
        var marker = Records.NewMarker("Defaulted ");
        var fileId = await Host.UploadAsync(Encoding.UTF8.GetBytes($"Name\n{marker}\n"));

        // Every row would carry it: refused once, before the job, rather than once per row.
        var refused = await Host.StartImportAsync("COMPANY", fileId, new { defaults = new { revenue = -5 }, mapping = Mapping(("Name", "title")) });

        Assert.Null(refused["job"]);
        Assert.Equal("options.defaults.revenue", refused.ErrorPath());
        Assert.Contains("0", refused["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        // Run to its end here, so that no job is left queued for the class's other tests.
        var accepted = await Host.ImportAsync("COMPANY", Encoding.UTF8.GetBytes($"Name\n{marker}\n"), new { defaults = new { revenue = 5 }, mapping = Mapping(("Name", "title")) });
        Assert.Equal("SUCCEEDED", accepted["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bounds_ten_times_over_are_refused()
    {
        var fileId = await Host.UploadAsync(Encoding.UTF8.GetBytes("Name,Last name\nA,B\n"));

        var mapping = Enumerable.Range(0, ImportHost.MaxMappingEntries * 10).Select(_ => new { column = "Name", field = "name" }).ToArray();
        Assert.Equal("LIMIT_EXCEEDED", (await Host.StartImportAsync("CONTACT", fileId, new { mapping })).ErrorCode());

        var defaults = new { comments = new string('x', ImportHost.MaxDefaultsBytes * 10) };
        Assert.Equal("LIMIT_EXCEEDED", (await Host.StartImportAsync("CONTACT", fileId, new { defaults, mapping = Mapping(("Name", "name")) })).ErrorCode());

        var wide = string.Join(",", Enumerable.Range(0, ImportHost.MaxColumns * 10).Select(i => $"C{i}"));
        Assert.Equal("LIMIT_EXCEEDED", (await PreviewAsync(await Host.UploadAsync(Encoding.UTF8.GetBytes(wide + "\n" + wide + "\n"))))["errors"]![0]!["code"]!.GetValue<string>());

        // Rows: the job counts them before it writes anything, and refuses the file.
        var marker = Records.NewMarker("rows");
        var rows = "Name,Last name\n" + string.Concat(Enumerable.Range(0, ImportHost.MaxRows * 10).Select(i => $"R{i},{marker}\n"));
        var tooMany = await Host.ImportAsync("CONTACT", Encoding.UTF8.GetBytes(rows), new { mapping = Mapping(("Name", "name"), ("Last name", "lastName")) });
        Assert.Equal(("FAILED", "LIMIT_EXCEEDED"), (tooMany["state"]!.GetValue<string>(), tooMany["errorCode"]!.GetValue<string>()));
        Assert.Empty(await Host.ContactsAsync(marker));

        // A cell ten times the length: its row is rejected, the others imported.
        var cells = $"Name,Last name\n{new string('y', ImportHost.MaxCellLength * 10)},{marker}\nOk,{marker}\n";
        var longCell = await Host.ImportAsync("CONTACT", Encoding.UTF8.GetBytes(cells), new { mapping = Mapping(("Name", "name"), ("Last name", "lastName")) });
        Assert.Equal((1L, 1L), (longCell.Count("imported"), longCell.Count("rejected")));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ImportOnSqlite(ImportSqliteHost fixture) : ImportTests(fixture), IClassFixture<ImportSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ImportOnPostgres(ImportPostgresHost fixture) : ImportTests(fixture), IClassFixture<ImportPostgresHost>;
