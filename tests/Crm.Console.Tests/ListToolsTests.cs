using System.Text;
using Crm.Host.Tests.Import;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// The lists' tools in a real browser against the real host: a saved view switched to and made the
/// default (and one naming a deleted custom field, its warning shown), an export downloaded as CSV,
/// a bulk "set a field" job on selected rows (with a record it refuses, and why), duplicates
/// merged after their preview, and a CSV of Polish headers imported through the wizard (a dry run
/// first). One host and browser for the class.
/// </summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed class ListToolsTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_view_is_saved_switched_to_and_opens_as_the_default_and_a_view_on_a_deleted_field_says_what_it_leaves_out()
    {
        var (_, email) = await fixture.NewUserAsync("Vera", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var marker = Records.NewMarker("Fleet ");
        await Host.CreateDealAsync(new { title = $"{marker} north" });
        await Host.CreateDealAsync(new { title = $"{marker} south" });
        await Host.CreateDealAsync(new { title = Records.NewMarker("Elsewhere ") });
        var page = await fixture.NewPageAsync();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        var rows = page.Locator("table tbody tr");
        await Expect(rows.Filter(new() { HasText = "Elsewhere" })).ToHaveCountAsync(1);

        // Filtered to the marker, without the responsible column, saved as a view shared with everyone.
        await FilterTitleAsync(page, marker);
        await Expect(rows).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Columns" }).ClickAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Columns" }).GetByLabel("Responsible").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save view" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync(marker);
        await dialog.GetByLabel("Everyone").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        var viewSelect = page.GetByRole(AriaRole.Combobox, new() { Name = "View", Exact = true });
        await Expect(viewSelect.Locator("option:checked")).ToContainTextAsync(marker);

        // No view: every deal again; the view: its two (its filter applied by the API through viewId).
        await viewSelect.SelectOptionAsync(new SelectOptionValue { Label = "No saved view" });
        await Expect(rows.Filter(new() { HasText = "Elsewhere" })).ToHaveCountAsync(1);
        await viewSelect.SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Filter(new() { HasText = "Elsewhere" })).ToHaveCountAsync(0);

        // Made the default: a fresh visit opens on it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Make default" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "No longer default" })).ToBeVisibleAsync();
        await page.GotoAsync("/records/deal");
        await Expect(viewSelect.Locator("option:checked")).ToContainTextAsync($"★ {marker}");
        await Expect(rows).ToHaveCountAsync(2);
        await ConsoleFixture.ScreenshotAsync(page, "list-view");

        var saved = (await Host.QueryAsync("{ views(entityType: \"deal\") { name sharing columns { field } } }")).ShouldSucceed().Data!["views"]!.AsArray()
            .Single(v => v!["name"]!.GetValue<string>() == marker)!;
        Assert.Equal("EVERYONE", saved["sharing"]!.GetValue<string>());
        var columns = saved["columns"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("title", columns);
        Assert.DoesNotContain("assignedById", columns);

        // A view shared with everyone whose filter names a custom field deleted since: the list answers without that condition and says so.
        var code = $"UF_CRM_VW_{marker[6..].ToUpperInvariant()}";
        var field = Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);
        var fieldId = (await Host.MutateAsync("createCustomField", "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
            new { input = new { entityType = "DEAL", code, type = "STRING", label = "Tier" } })).Ok()["customField"]!["id"]!.GetValue<string>();
        var tiered = (await Host.MutateAsync("createView", "mutation($input: CreateViewInput!) { createView(input: $input) { view { id } errors { code message } } }", new
        {
            input = new
            {
                entityType = "deal", name = $"{marker} gold", sharing = "EVERYONE",
                filter = new Dictionary<string, object> { ["title"] = new { contains = marker }, [field] = new { eq = "gold" } },
            },
        })).Ok()["view"]!["id"]!.GetValue<string>();
        (await Host.MutateAsync("deleteCustomField", "mutation($id: ID!) { deleteCustomField(id: $id, confirmDataLoss: true) { errors { code message } } }", new { id = fieldId })).Ok();
        // The other view chosen right after the reload, before the default opens: in the same task that shows the
        // options (a mutation observer), so always before the effect that opens the default runs. The choice stays.
        await page.AddInitScriptAsync(ChooseOnceOffered(tiered));
        await page.ReloadAsync();
        await Expect(viewSelect.Locator("option:checked")).ToContainTextAsync($"{marker} gold");
        Assert.True(await page.EvaluateAsync<bool>("() => window.crmChoseBeforeDefault === true"), "the view was not chosen before the default view opened");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "What the view leaves out" })).ToContainTextAsync($"condition on '{field}'");
        await Expect(rows).ToHaveCountAsync(2);
        await page.Context.CloseAsync();
    }

    /// <summary>A script choosing view <paramref name="viewId"/> in the list's view menu as soon as it is offered, noting whether no view was open yet.</summary>
    private static string ChooseOnceOffered(string viewId) => $$"""
        new MutationObserver((_, observer) => {
          const select = document.querySelector('select[aria-label="View"]');
          if (!select?.querySelector('option[value="{{viewId}}"]')) return;
          observer.disconnect();
          window.crmChoseBeforeDefault = select.value === '';
          select.value = '{{viewId}}';
          select.dispatchEvent(new Event('change', { bubbles: true }));
        }).observe(document, { childList: true, subtree: true });
        """;

    [Fact]
    public async Task The_filtered_list_is_exported_to_csv_and_downloaded_with_the_token()
    {
        var (_, email) = await fixture.NewUserAsync("Edgar", [
            .. ConsoleFixture.Everything(ConsoleFixture.SalesTypes), new { entityType = "DEAL", action = "EXPORT", level = "ALL" },
        ]);
        var marker = Records.NewMarker("Export ");
        foreach (var (suffix, amount) in new[] { ("one", 100), ("two", 200), ("three", 300) })
        {
            await Host.CreateDealAsync(new { title = $"{marker} {suffix}", opportunity = amount, currencyId = "EUR" });
        }

        await Host.CreateDealAsync(new { title = Records.NewMarker("Not exported ") });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        await FilterTitleAsync(page, marker);
        await Expect(page.Locator("table tbody tr")).ToHaveCountAsync(3);
        // Sorted by amount, highest first: the file follows.
        await page.GetByRole(AriaRole.Button, new() { Name = "Amount" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Amount" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Export" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("CSV").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start the export" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToContainTextAsync("Done");
        var download = await page.RunAndWaitForDownloadAsync(() => dialog.GetByRole(AriaRole.Button, new() { Name = "Download" }).ClickAsync());
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        await using var file = await download.CreateReadStreamAsync();
        using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var lines = (await reader.ReadToEndAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, lines.Length);
        Assert.StartsWith("Title,", lines[0], StringComparison.Ordinal);
        Assert.Equal([$"{marker} three", $"{marker} two", $"{marker} one"], lines[1..].Select(l => l.Split(',')[0]));
        Assert.DoesNotContain(lines, l => l.Contains("Not exported", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_field_is_set_on_the_selected_rows_by_a_bulk_job_and_a_refused_record_says_why()
    {
        // Changes only their own deals: of two selected, the other's deal is refused.
        var (id, email) = await fixture.NewUserAsync("Bogna", [
            new { entityType = "DEAL", action = "READ", level = "ALL" },
            new { entityType = "DEAL", action = "UPDATE", level = "OWN" },
        ]);
        var marker = Records.NewMarker("Bulk ");
        var mine = await Host.CreateDealAsync(new { title = $"{marker} mine", opportunity = 10, assignedById = id });
        var alsoMine = await Host.CreateDealAsync(new { title = $"{marker} also mine", opportunity = 10, assignedById = id });
        var theirs = await Host.CreateDealAsync(new { title = $"{marker} theirs", opportunity = 10 });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        await FilterTitleAsync(page, marker);
        var rows = page.Locator("table tbody tr");
        await Expect(rows).ToHaveCountAsync(3);

        foreach (var title in new[] { "mine", "also mine", "theirs" })
        {
            await page.GetByLabel($"Select {marker} {title}", new() { Exact = true }).CheckAsync();
        }

        var bulk = page.GetByRole(AriaRole.Region, new() { Name = "Bulk actions" });
        await bulk.GetByLabel("Field to set").SelectOptionAsync(new SelectOptionValue { Value = "opportunity" });
        await bulk.GetByLabel("New value").FillAsync("777");
        await bulk.GetByRole(AriaRole.Button, new() { Name = "Set", Exact = true }).ClickAsync();

        await Expect(bulk.GetByRole(AriaRole.Status)).ToContainTextAsync("Done");
        await Expect(bulk).ToContainTextAsync("2 changed, 0 unchanged, 1 refused.");
        await Expect(bulk.GetByRole(AriaRole.Alert)).ToContainTextAsync($"#{theirs}:");
        await Expect(rows.Filter(new() { HasText = "theirs" }).Locator("td[data-label=Amount]")).ToHaveTextAsync("10");
        await Expect(rows.Filter(new() { HasText = "mine" }).Locator("td[data-label=Amount]")).ToHaveTextAsync(["777", "777"]);
        await ConsoleFixture.ScreenshotAsync(page, "bulk-set-field");

        // My jobs tells the same counts.
        await page.GetByRole(AriaRole.Link, new() { Name = "My jobs" }).ClickAsync();
        var job = page.Locator("table tbody tr", new() { HasText = "Bulk action" });
        await Expect(job).ToHaveCountAsync(1);
        await Expect(job.Locator("td[data-label=Progress]")).ToContainTextAsync("2 changed, 0 unchanged, 1 refused.");

        foreach (var (deal, amount) in new[] { (mine, 777m), (alsoMine, 777m), (theirs, 10m) })
        {
            var stored = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { opportunity } }", new { id = deal })).ShouldSucceed();
            Assert.Equal(amount, stored.Data!["deal"]!["opportunity"]!.GetValue<decimal>());
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Duplicates_are_merged_after_the_preview_with_the_values_chosen()
    {
        var (_, email) = await fixture.NewUserAsync("Dorota", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var address = $"{Records.NewMarker("dup").ToLowerInvariant()}@example.com";
        var kept = await Host.CreateContactAsync(new { name = "Ann", lastName = "Lee", emails = new[] { new { value = address, valueType = "WORK" } } });
        var removed = await Host.CreateContactAsync(new { name = "Anna", lastName = "Lee", post = "Buyer", emails = new[] { new { value = address.ToUpperInvariant(), valueType = "HOME" } } });
        var page = await fixture.NewPageAsync();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/duplicates/contact");

        var group = page.GetByRole(AriaRole.Region, new() { Name = $"Duplicates: {address}" });
        await Expect(group.Locator("tbody tr")).ToHaveCountAsync(2);
        // Keep the older record with the other's first name.
        await Expect(group.GetByRole(AriaRole.Radio, new() { Name = "Keep" }).First).ToBeCheckedAsync();
        var second = group.Locator("tbody tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = $"#{removed}", Exact = true }) });
        await second.GetByRole(AriaRole.Radio, new() { Name = "First name from" }).CheckAsync();

        await group.GetByRole(AriaRole.Button, new() { Name = "Preview the merge" }).ClickAsync();
        var preview = group.GetByRole(AriaRole.Region, new() { Name = "Merge preview" });
        await Expect(preview).ToContainTextAsync($"Removed: #{removed}.");
        await Expect(preview.Locator("[data-field=name] dd")).ToHaveTextAsync("Anna");
        await ConsoleFixture.ScreenshotAsync(page, "duplicates-merge");
        // The preview changed nothing.
        Assert.NotNull((await Host.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id = removed })).ShouldSucceed().Data!["contact"]);

        await group.GetByRole(AriaRole.Button, new() { Name = "Merge", Exact = true }).ClickAsync();
        await Expect(group).ToHaveCountAsync(0);
        var after = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { name lastName } }", new { id = kept })).ShouldSucceed();
        Assert.Equal("Anna", after.Data!["contact"]!["name"]!.GetValue<string>());
        Assert.Equal(["NOT_FOUND"], (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id = removed })).ErrorCodes);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_csv_of_polish_headers_is_imported_through_the_wizard_after_a_dry_run_and_its_bad_row_is_shown_with_the_reason()
    {
        var (_, email) = await fixture.NewUserAsync("Irena", [
            .. ConsoleFixture.Everything(ConsoleFixture.SalesTypes), new { entityType = "CONTACT", action = "IMPORT", level = "ALL" },
        ]);
        var marker = Records.NewMarker("Import");
        var domain = $"{marker.ToLowerInvariant()}.example.pl";
        // UTF-8 without a byte order mark, semicolons, Bitrix24's Polish headers and one no suggestion knows (mobile phones); Jan's e-mail is none.
        var csv = $"Imię;Nazwisko;E-mail służbowy;Numer\r\nAnna;{marker} Nowak;anna@{domain};+48 600 100 201\r\nJan;{marker} Zły;nie-email;+48 600 100 202\r\nŁucja;{marker} Gęś;lucja@{domain};+48 600 100 203\r\n";
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/contact");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Import Contacts" });
        var fileInput = dialog.GetByLabel("File (CSV or XLSX)");

        // A file ten times the upload limit: the API's refusal at the file.
        await fileInput.SetInputFilesAsync(new FilePayload { Name = "large.csv", MimeType = "text/csv", Buffer = new byte[ConsoleFixture.MaxUploadBytes * 10] });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Upload and read" }).ClickAsync();
        await Expect(dialog.Locator("form.import-file").GetByRole(AriaRole.Alert)).ToContainTextAsync($"The file is larger than {ConsoleFixture.MaxUploadBytes} bytes (Uploads:MaxFileBytes).");

        await fileInput.SetInputFilesAsync(new FilePayload { Name = "kontakty.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Upload and read" }).ClickAsync();

        // What was detected, the first rows, and the API's suggestions chosen.
        await Expect(dialog.GetByLabel("Encoding").Locator("option:checked")).ToHaveTextAsync("UTF-8 (detected)");
        await Expect(dialog.GetByLabel("Delimiter").Locator("option:checked")).ToHaveTextAsync("Semicolon (;) (detected)");
        await Expect(dialog.GetByRole(AriaRole.Table, new() { Name = "The first rows" }).Locator("tbody tr")).ToHaveCountAsync(3);
        await Expect(dialog.GetByLabel("Field for column Imię")).ToHaveValueAsync("name");
        await Expect(dialog.GetByLabel("Field for column Nazwisko")).ToHaveValueAsync("lastName");
        await Expect(dialog.GetByLabel("Field for column E-mail służbowy")).ToHaveValueAsync("emails");
        // Not suggested: mapped by hand to a contact point's value type, which the API offers with every field.
        var number = dialog.GetByLabel("Field for column Numer");
        await Expect(number).ToHaveValueAsync("");
        await number.SelectOptionAsync(new SelectOptionValue { Label = "Phone (mobile)" });
        await Expect(number).ToHaveValueAsync("phones:MOBILE");
        await ConsoleFixture.ScreenshotAsync(page, "import-wizard");

        // The API's refusal at the column it concerns: two columns for one field.
        var lastName = dialog.GetByLabel("Field for column Nazwisko");
        await lastName.SelectOptionAsync(new SelectOptionValue { Value = "name" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start the import" }).ClickAsync();
        await Expect(dialog.Locator("tr[data-column=Nazwisko]").GetByRole(AriaRole.Alert)).ToContainTextAsync("'name' is mapped twice");
        await Expect(lastName).ToHaveAttributeAsync("aria-invalid", "true");
        await lastName.SelectOptionAsync(new SelectOptionValue { Value = "lastName" });
        await Expect(dialog.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);

        // A dry run: the counts of what the import would do, and nothing written.
        await dialog.GetByLabel("Dry run: check every row and write nothing").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start the dry run" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToContainTextAsync("Done");
        await Expect(dialog.GetByTestId("import-counts")).ToHaveTextAsync("Imported: 2, updated: 0, skipped: 0, rejected: 1.");
        await Expect(dialog).ToContainTextAsync("Dry run: nothing was written.");
        Assert.Empty(await Host.ContactsAsync(marker));

        // The import itself, with the same file and mapping.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Change the options and import again" }).ClickAsync();
        await dialog.GetByLabel("Dry run: check every row and write nothing").UncheckAsync();
        // A value for a field no column fills.
        var defaults = dialog.GetByRole(AriaRole.Group, new() { Name = "Values for rows that leave a field empty" });
        await defaults.GetByRole(AriaRole.Button, new() { Name = "Add a value" }).ClickAsync();
        await defaults.GetByLabel("Field", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Value = "post" });
        await defaults.GetByLabel("Value", new() { Exact = true }).FillAsync("Importowany");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start the import" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToContainTextAsync("Done");
        await Expect(dialog.GetByTestId("import-counts")).ToHaveTextAsync("Imported: 2, updated: 0, skipped: 0, rejected: 1.");
        var rejected = dialog.GetByRole(AriaRole.Region, new() { Name = "Rejected rows" });
        await Expect(rejected.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(rejected.Locator("tbody tr")).ToContainTextAsync("Jan");
        await Expect(rejected.Locator("tbody tr td.error")).ToContainTextAsync("Row 3, column 'E-mail służbowy': 'nie-email' is not a valid e-mail address");
        var download = await page.RunAndWaitForDownloadAsync(() => rejected.GetByRole(AriaRole.Button, new() { Name = "Download the rejected rows (CSV)" }).ClickAsync());
        await using (var file = await download.CreateReadStreamAsync())
        {
            using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var lines = (await reader.ReadToEndAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["Imię;Nazwisko;E-mail służbowy;Numer;Import error", $"Jan;{marker} Zły;nie-email;+48 600 100 202"], [lines[0], lines[1][..lines[1].LastIndexOf(';')]]);
        }

        // In the database (through the API) and in the list, which the import reloaded.
        var contacts = await Host.ContactsAsync(marker);
        Assert.Equal(["Anna", "Łucja"], contacts.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal([$"anna@{domain}", $"lucja@{domain}"], contacts.Select(c => c!["emails"]![0]!["value"]!.GetValue<string>()));
        Assert.All(contacts, c => Assert.Equal("Importowany", c!["post"]!.GetValue<string>()));
        Assert.All(contacts, c => Assert.Equal("MOBILE", c!["phones"]![0]!["valueType"]!.GetValue<string>()));
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).Last.ClickAsync();
        await FilterAsync(page, "lastName", marker);
        var rows = page.Locator("table tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Filter(new() { HasText = "Łucja" })).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    /// <summary>The list filtered to titles containing the text, through the filter builder.</summary>
    internal static Task FilterTitleAsync(IPage page, string text) => FilterAsync(page, "title", text);

    /// <summary>The list filtered to records whose field contains the text, through the filter builder.</summary>
    private static async Task FilterAsync(IPage page, string field, string text)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Filters" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a condition" }).ClickAsync();
        var filters = page.GetByRole(AriaRole.Form, new() { Name = "Filters" });
        await filters.GetByLabel("Field").SelectOptionAsync(new SelectOptionValue { Value = field });
        await filters.GetByLabel("Operator").SelectOptionAsync(new SelectOptionValue { Value = "contains" });
        await filters.GetByLabel("Value").FillAsync(text);
        await filters.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
    }
}
