using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// More of the lists' tools in a real browser against the real host: a view shared with a user
/// beyond the first 200 (found by the API's search); columns resized by dragging and from the
/// keyboard, their widths saved in a view and restored with it; the import wizard offering the
/// mapping last used with the same header row; the stage of deals of two pipelines changed in bulk,
/// a stage per pipeline, for selected rows and for the whole filtered list; a saved filter saved apart from the views and applied alone. A host of its own: its 200 and more users
/// would change what other classes' pickers offer first.
/// </summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed class ListToolsMoreTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_view_is_shared_with_a_user_beyond_the_first_200_found_by_searching()
    {
        var (sharerId, email) = await fixture.NewUserAsync("Sharer", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var marker = Records.NewMarker("Crowd ");
        for (var i = 0; i < 201; i++)
        {
            await NamedUserAsync($"{marker} {i:000}");
        }

        var wanted = Records.NewMarker("Wanted ");
        var wantedId = await NamedUserAsync(wanted);
        var firstPage = (await Host.QueryAsync("{ users(first: 200, active: true) { id } }")).ShouldSucceed().Data!["users"]!.AsArray();
        Assert.Equal(200, firstPage.Count);
        Assert.DoesNotContain(wantedId, firstPage.Select(u => u!["id"]!.GetValue<string>()));

        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save view" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        var viewName = Records.NewMarker("Shared ");
        await dialog.GetByLabel("Name").FillAsync(viewName);
        await dialog.GetByLabel("Chosen users").CheckAsync();
        var users = dialog.GetByRole(AriaRole.Group, new() { Name = "Users", Exact = true });
        // Unsearched, the first page: the wanted user is not in it.
        await Expect(users.GetByRole(AriaRole.Group, new() { Name = "Found" }).GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(50);
        await Expect(users.GetByLabel(wanted)).ToHaveCountAsync(0);
        await users.GetByRole(AriaRole.Searchbox).FillAsync(wanted);
        await users.GetByRole(AriaRole.Group, new() { Name = "Found" }).GetByLabel(wanted).ClickAsync();
        // Chosen, it moves to the chosen ones and stays there when the search moves on.
        await users.GetByRole(AriaRole.Searchbox).FillAsync(marker);
        await Expect(users.GetByRole(AriaRole.Group, new() { Name = "Chosen" }).GetByLabel(wanted)).ToBeCheckedAsync();
        await Expect(users.GetByRole(AriaRole.Group, new() { Name = "Found" }).GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(50);
        await users.GetByRole(AriaRole.Searchbox).FillAsync($"{marker} 200");
        await users.GetByRole(AriaRole.Group, new() { Name = "Found" }).GetByLabel($"{marker} 200").ClickAsync();
        await Expect(users.GetByRole(AriaRole.Group, new() { Name = "Chosen" }).GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(2);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);

        // Read as its owner: a view shared with chosen users is listed to them and its owner only.
        var key = await Host.CreateApiKeyAsync(sharerId);
        var saved = (await Host.QueryAsync("{ views(entityType: \"deal\") { name sharing userIds } }", apiKey: key)).ShouldSucceed().Data!["views"]!.AsArray()
            .Single(v => v!["name"]!.GetValue<string>() == viewName)!;
        Assert.Equal("USERS", saved["sharing"]!.GetValue<string>());
        Assert.Contains(wantedId, saved["userIds"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal(2, saved["userIds"]!.AsArray().Count);

        // Reopened on a fresh page (no search run yet): the chosen users are named, the one beyond the first 200 by id.
        await page.ReloadAsync();
        var viewSelect = page.GetByRole(AriaRole.Combobox, new() { Name = "View", Exact = true });
        await viewSelect.SelectOptionAsync(new SelectOptionValue { Label = $"{viewName} · Chosen users" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save view" }).ClickAsync();
        var chosen = users.GetByRole(AriaRole.Group, new() { Name = "Chosen" });
        await Expect(chosen.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(2);
        await Expect(chosen.GetByLabel(wanted)).ToBeCheckedAsync();
        await ConsoleFixture.ScreenshotAsync(page, "view-sharing");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Columns_resized_by_dragging_and_by_keys_are_saved_in_a_view_and_restored_with_it()
    {
        var (userId, email) = await fixture.NewUserAsync("Resizer", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        await Host.CreateDealAsync(new { title = Records.NewMarker("Wide "), opportunity = 10, currencyId = "EUR" });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        await Expect(page.Locator("table tbody tr")).Not.ToHaveCountAsync(0);
        var titleHeader = page.GetByRole(AriaRole.Columnheader, new() { Name = "Title" });
        var titleEdge = page.GetByRole(AriaRole.Separator, new() { Name = "Width of Title" });
        var before = (await titleHeader.BoundingBoxAsync())!.Width;

        // Dragged 150 px wider with the mouse.
        var edge = (await titleEdge.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(edge.X + (edge.Width / 2), edge.Y + (edge.Height / 2));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(edge.X + (edge.Width / 2) + 150, edge.Y + (edge.Height / 2), new() { Steps = 5 });
        await page.Mouse.UpAsync();
        var dragged = int.Parse((await titleEdge.GetAttributeAsync("aria-valuenow"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(dragged, before + 148, before + 152);
        Assert.InRange((await titleHeader.BoundingBoxAsync())!.Width, dragged - 1, dragged + 1);

        // The amount narrowed from the keyboard: three steps of 10 px, then pressed far past the least width (20 px), which holds.
        var amountEdge = page.GetByRole(AriaRole.Separator, new() { Name = "Width of Amount" });
        await amountEdge.FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        var amount = int.Parse((await amountEdge.GetAttributeAsync("aria-valuenow"))!, System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 3; i++)
        {
            await page.Keyboard.PressAsync("ArrowLeft");
        }

        await Expect(amountEdge).ToHaveAttributeAsync("aria-valuenow", (amount - 30).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var probability = page.GetByRole(AriaRole.Separator, new() { Name = "Width of Stage" });
        await probability.FocusAsync();
        for (var i = 0; i < 100; i++)
        {
            await page.Keyboard.PressAsync("Shift+ArrowLeft");
        }

        await Expect(probability).ToHaveAttributeAsync("aria-valuenow", "20");

        await page.GetByRole(AriaRole.Button, new() { Name = "Save view" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        var viewName = Records.NewMarker("Widths ");
        await dialog.GetByLabel("Name").FillAsync(viewName);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        var key = await Host.CreateApiKeyAsync(userId);
        var columns = (await Host.QueryAsync("{ views(entityType: \"deal\") { name columns { field width } } }", apiKey: key)).ShouldSucceed().Data!["views"]!.AsArray()
            .Single(v => v!["name"]!.GetValue<string>() == viewName)!["columns"]!.AsArray()
            .ToDictionary(c => c!["field"]!.GetValue<string>(), c => c!["width"]?.GetValue<int?>());
        Assert.Equal(dragged, columns["title"]);
        Assert.Equal(amount - 30, columns["opportunity"]);
        Assert.Equal(20, columns["stageId"]);
        Assert.Null(columns["assignedById"]);

        // A fresh page: the table's own widths until the view is chosen, then the view's.
        await page.ReloadAsync();
        await Expect(titleEdge).Not.ToHaveAttributeAsync("aria-valuenow", new System.Text.RegularExpressions.Regex("."));
        await page.GetByRole(AriaRole.Combobox, new() { Name = "View", Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = viewName });
        await Expect(titleEdge).ToHaveAttributeAsync("aria-valuenow", dragged.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange((await titleHeader.BoundingBoxAsync())!.Width, dragged - 1, dragged + 1);
        Assert.InRange((await page.GetByRole(AriaRole.Columnheader, new() { Name = "Amount" }).BoundingBoxAsync())!.Width, amount - 31, amount - 29);
        await ConsoleFixture.ScreenshotAsync(page, "list-column-widths");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_import_wizard_takes_the_mapping_last_used_with_the_same_headers()
    {
        var (userId, email) = await fixture.NewUserAsync("Mapper", [
            .. ConsoleFixture.Everything(ConsoleFixture.SalesTypes), new { entityType = "CONTACT", action = "IMPORT", level = "ALL" },
        ]);
        var marker = Records.NewMarker("Recall");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/contact");
        // Ten times as many header rows remembered as are kept (20), as an earlier console kept them in the browser.
        await page.EvaluateAsync("""
            () => localStorage.setItem('crm.importMappings.CONTACT', JSON.stringify(
              Array.from({ length: 200 }, (_, i) => ({ headers: [`Old ${i}`], mapping: { [`Old ${i}`]: 'name' } }))))
            """);
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Import Contacts" });

        // The first file: the column no suggestion knows mapped by hand, the suggested last name skipped; a dry run.
        await UploadAsync(page, dialog, $"Imię;Nazwisko;Numer\r\nAnna;{marker} One;+48 600 100 301\r\n");
        await Expect(dialog.GetByLabel("Field for column Nazwisko")).ToHaveValueAsync("lastName");
        await Expect(dialog.GetByText("The mapping of the last import with these columns is chosen.")).ToHaveCountAsync(0);
        await dialog.GetByLabel("Field for column Numer").SelectOptionAsync(new SelectOptionValue { Value = "phones:MOBILE" });
        await dialog.GetByLabel("Field for column Nazwisko").SelectOptionAsync(new SelectOptionValue { Value = "" });
        await dialog.GetByLabel("Dry run: check every row and write nothing").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start the dry run" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToContainTextAsync("Done");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close", Exact = true }).ClickAsync();
        // Kept by the API as the user's preference (the browser's old list moved there, then dropped from the browser).
        var key = await Host.CreateApiKeyAsync(userId);
        var kept = (await Host.QueryAsync("{ myPreferences(keys: [\"console.importMappings.CONTACT\"]) { value } }", apiKey: key)).ShouldSucceed()
            .Data!["myPreferences"]![0]!["value"]!.AsArray().Select(r => r!["headers"]!.AsArray().Select(h => h!.GetValue<string>()).ToArray()).ToList();
        Assert.Equal(20, kept.Count);
        Assert.Equal(["Imię", "Nazwisko", "Numer"], kept[0]);
        Assert.Equal(["Old 0"], kept[1]);
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('crm.importMappings.CONTACT')"));
        await page.Context.CloseAsync();

        // Another file with the same header row, in another browser: the mapping used last time, not the suggestions.
        page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/contact");
        dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Import Contacts" });
        await UploadAsync(page, dialog, $"Imię;Nazwisko;Numer\r\nBeata;{marker} Two;+48 600 100 302\r\n");
        await Expect(dialog.GetByText("The mapping of the last import with these columns is chosen.")).ToBeVisibleAsync();
        await Expect(dialog.GetByLabel("Field for column Numer")).ToHaveValueAsync("phones:MOBILE");
        await Expect(dialog.GetByLabel("Field for column Nazwisko")).ToHaveValueAsync("");
        await Expect(dialog.GetByLabel("Field for column Imię")).ToHaveValueAsync("name");
        // Back to the suggestions on request.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Use the suggestions instead" }).ClickAsync();
        await Expect(dialog.GetByLabel("Field for column Nazwisko")).ToHaveValueAsync("lastName");
        await Expect(dialog.GetByLabel("Field for column Numer")).ToHaveValueAsync("");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close", Exact = true }).ClickAsync();

        // Headers in another order are another header row: the suggestions.
        await UploadAsync(page, dialog, $"Nazwisko;Imię;Numer\r\n{marker} Three;Celina;+48 600 100 303\r\n");
        await Expect(dialog.GetByLabel("Field for column Nazwisko")).ToHaveValueAsync("lastName");
        await Expect(dialog.GetByLabel("Field for column Numer")).ToHaveValueAsync("");
        await Expect(dialog.GetByText("The mapping of the last import with these columns is chosen.")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_columns_a_user_chooses_follow_them_to_another_browser()
    {
        var (userId, email) = await fixture.NewUserAsync("Kolumna", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        var headers = page.Locator("table thead th");
        await Expect(headers.Filter(new() { HasText = "Responsible" })).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Columns" }).ClickAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Columns" }).GetByLabel("Responsible").UncheckAsync();
        await Expect(headers.Filter(new() { HasText = "Responsible" })).ToHaveCountAsync(0);
        // Kept by the API as the user's preference.
        var key = await Host.CreateApiKeyAsync(userId);
        for (var waited = 0; ; waited += 100)
        {
            var kept = (await Host.QueryAsync("{ myPreferences(keys: [\"console.columns.DEAL\"]) { value } }", apiKey: key)).ShouldSucceed().Data!["myPreferences"]!.AsArray();
            if (kept.Count == 1)
            {
                break;
            }

            Assert.True(waited < 5000, "The columns were not kept as a preference.");
            await Task.Delay(100);
        }

        await page.Context.CloseAsync();

        // Another browser (nothing in its storage): the same columns.
        var other = await fixture.NewPageAsync();
        await other.SignInAsync(email);
        await other.GotoAsync("/records/deal");
        await Expect(other.Locator("table thead th").Filter(new() { HasText = "Title" })).ToHaveCountAsync(1);
        await Expect(other.Locator("table thead th").Filter(new() { HasText = "Responsible" })).ToHaveCountAsync(0);
        await other.Context.CloseAsync();
    }

    private static async Task UploadAsync(IPage page, ILocator dialog, string csv)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        await dialog.GetByLabel("File (CSV or XLSX)").SetInputFilesAsync(new FilePayload { Name = "contacts.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Upload and read" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Table, new() { Name = "The first rows" }).Locator("tbody tr")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Deals_of_two_pipelines_get_a_stage_per_pipeline_in_bulk_with_each_pipelines_results()
    {
        // Changes only their own deals: of the default pipeline's two, the other's is refused.
        var (id, email) = await fixture.NewUserAsync("Piotr", [
            new { entityType = "DEAL", action = "READ", level = "ALL" },
            new { entityType = "DEAL", action = "UPDATE", level = "OWN" },
        ]);
        var pipelineName = Records.NewMarker("Second ");
        var pipeline = (await Host.QueryAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id stages { id } } errors { code message } } }",
            new { input = new { name = pipelineName } })).ShouldSucceed().Data!["createPipeline"]!["pipeline"]!;
        var stages = pipeline["stages"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        var defaultName = (await Host.QueryAsync("{ pipelines { name isDefault } }")).ShouldSucceed().Data!["pipelines"]!.AsArray()
            .Single(p => p!["isDefault"]!.GetValue<bool>())!["name"]!.GetValue<string>();
        var marker = Records.NewMarker("Spread ");
        var mine = await Host.CreateDealAsync(new { title = $"{marker} mine", assignedById = id });
        var theirs = await Host.CreateDealAsync(new { title = $"{marker} theirs" });
        var second = await Host.CreateDealAsync(new { title = $"{marker} second", assignedById = id, pipelineId = pipeline["id"]!.GetValue<string>(), stageId = stages[0] });
        var before = await StageAsync(theirs);

        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).FillAsync(marker);
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).PressAsync("Enter");
        await Expect(page.Locator("table tbody tr")).ToHaveCountAsync(3);
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select all" }).CheckAsync();

        var form = page.GetByRole(AriaRole.Form, new() { Name = "Change stage per pipeline" });
        var inDefault = form.GetByLabel($"Stage in {defaultName} (2)");
        var inSecond = form.GetByLabel($"Stage in {pipelineName} (1)");
        // Each pipeline offers its own stages.
        Assert.Equal(stages, await inSecond.Locator("option").EvaluateAllAsync<string[]>("options => options.map(o => o.value).filter(v => v)"));
        var chosen = (await inDefault.SelectOptionAsync(new SelectOptionValue { Index = 2 })).Single();
        Assert.NotEqual(before, chosen);
        await inSecond.SelectOptionAsync(stages[1]);
        await form.GetByRole(AriaRole.Button, new() { Name = "Change stages" }).ClickAsync();

        // One job per pipeline, each with its counts and the records it refused.
        var defaultRun = form.GetByRole(AriaRole.Region, new() { Name = defaultName });
        var secondRun = form.GetByRole(AriaRole.Region, new() { Name = pipelineName });
        await Expect(defaultRun.GetByRole(AriaRole.Status)).ToContainTextAsync("Done");
        await Expect(secondRun.GetByRole(AriaRole.Status)).ToContainTextAsync("Done");
        await Expect(defaultRun).ToContainTextAsync("1 changed, 0 unchanged, 1 refused.");
        await Expect(defaultRun.GetByRole(AriaRole.Alert)).ToContainTextAsync($"#{theirs}:");
        await Expect(secondRun).ToContainTextAsync("1 changed, 0 unchanged, 0 refused.");
        // The refused deal is marked at its row, with the reason; the changed ones are not.
        var refusedMark = page.GetByRole(AriaRole.Row, new() { Name = $"{marker} theirs" }).GetByRole(AriaRole.Img, new() { Name = "Refused:" });
        await Expect(refusedMark).ToBeVisibleAsync();
        Assert.Contains("Refused: ", await refusedMark.GetAttributeAsync("title"), StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Row, new() { Name = $"{marker} mine" }).GetByRole(AriaRole.Img, new() { Name = "Refused:" })).ToHaveCountAsync(0);
        await ConsoleFixture.ScreenshotAsync(page, "bulk-stage-per-pipeline");

        Assert.Equal(chosen, await StageAsync(mine));
        Assert.Equal(stages[1], await StageAsync(second));
        Assert.Equal(before, await StageAsync(theirs));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_whole_filtered_list_spanning_two_pipelines_gets_a_stage_per_pipeline_from_its_summary()
    {
        var (_, email) = await fixture.NewUserAsync("Wiktor", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var pipelineName = Records.NewMarker("Whole ");
        var pipeline = (await Host.QueryAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id stages { id } } errors { code message } } }",
            new { input = new { name = pipelineName } })).ShouldSucceed().Data!["createPipeline"]!["pipeline"]!;
        var stages = pipeline["stages"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        var defaultName = (await Host.QueryAsync("{ pipelines { name isDefault } }")).ShouldSucceed().Data!["pipelines"]!.AsArray()
            .Single(p => p!["isDefault"]!.GetValue<bool>())!["name"]!.GetValue<string>();
        var marker = Records.NewMarker("Entire ");
        var inDefault = new[] { await Host.CreateDealAsync(new { title = $"{marker} one" }), await Host.CreateDealAsync(new { title = $"{marker} two" }) };
        var inSecond = await Host.CreateDealAsync(new { title = $"{marker} three", pipelineId = pipeline["id"]!.GetValue<string>(), stageId = stages[0] });
        var outside = await Host.CreateDealAsync(new { title = Records.NewMarker("Outside ") });
        var untouched = await StageAsync(outside);

        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        await ListToolsTests.FilterTitleAsync(page, marker);
        await Expect(page.Locator("table tbody tr")).ToHaveCountAsync(3);
        // One row of the default pipeline selected: its stages alone; then the whole filtered list, which spans both.
        await page.GetByRole(AriaRole.Checkbox, new() { Name = $"Select {marker} one", Exact = true }).CheckAsync();
        var bar = page.GetByRole(AriaRole.Region, new() { Name = "Bulk actions" });
        await Expect(bar.GetByLabel("Change stage…", new() { Exact = true })).ToBeVisibleAsync();
        await bar.GetByRole(AriaRole.Button, new() { Name = "Select the whole filtered list" }).ClickAsync();

        var form = page.GetByRole(AriaRole.Form, new() { Name = "Change stage per pipeline" });
        var defaultStage = form.GetByLabel($"Stage in {defaultName} (2)");
        var secondStage = form.GetByLabel($"Stage in {pipelineName} (1)");
        await Expect(secondStage.Locator("option")).ToHaveCountAsync(stages.Count + 1);
        Assert.Equal(stages, await secondStage.Locator("option").EvaluateAllAsync<string[]>("options => options.map(o => o.value).filter(v => v)"));
        var chosen = (await defaultStage.SelectOptionAsync(new SelectOptionValue { Index = 2 })).Single();
        await secondStage.SelectOptionAsync(stages[1]);
        await form.GetByRole(AriaRole.Button, new() { Name = "Change stages" }).ClickAsync();

        var defaultRun = form.GetByRole(AriaRole.Region, new() { Name = defaultName });
        var secondRun = form.GetByRole(AriaRole.Region, new() { Name = pipelineName });
        await Expect(defaultRun).ToContainTextAsync("2 changed, 0 unchanged, 0 refused.");
        await Expect(secondRun).ToContainTextAsync("1 changed, 0 unchanged, 0 refused.");
        foreach (var id in inDefault)
        {
            Assert.Equal(chosen, await StageAsync(id));
        }

        Assert.Equal(stages[1], await StageAsync(inSecond));
        // The filter bounded each pipeline's job: a deal outside it kept its stage.
        Assert.Equal(untouched, await StageAsync(outside));
        await page.Context.CloseAsync();
    }

    private async Task<string> StageAsync(string dealId) =>
        (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { stageId } }", new { id = dealId })).ShouldSucceed().Data!["deal"]!["stageId"]!.GetValue<string>();

    [Fact]
    public async Task A_saved_filter_is_saved_apart_from_views_and_applies_its_filter_alone()
    {
        var (userId, email) = await fixture.NewUserAsync("Filip", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var marker = Records.NewMarker("Kept ");
        await Host.CreateDealAsync(new { title = $"{marker} north" });
        await Host.CreateDealAsync(new { title = $"{marker} south" });
        await Host.CreateDealAsync(new { title = Records.NewMarker("Elsewhere ") });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        var rows = page.Locator("table tbody tr");
        await ListToolsTests.FilterTitleAsync(page, marker);
        await Expect(rows).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save view" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        var name = Records.NewMarker("Mine ");
        await dialog.GetByLabel("A saved filter: the filter only").CheckAsync();
        await dialog.GetByLabel("Name").FillAsync(name);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        var key = await Host.CreateApiKeyAsync(userId);
        var saved = (await Host.QueryAsync("{ views(entityType: \"deal\") { name kind pageSize filter columns { field } } }", apiKey: key)).ShouldSucceed().Data!["views"]!.AsArray()
            .Single(v => v!["name"]!.GetValue<string>() == name)!;
        Assert.Equal("FILTER", saved["kind"]!.GetValue<string>());
        Assert.Empty(saved["columns"]!.AsArray());
        Assert.Null(saved["pageSize"]);
        Assert.Contains(marker, saved["filter"]!.ToJsonString(), StringComparison.Ordinal);

        // A fresh list without the responsible column: the filter, offered among the saved filters, narrows it and leaves the columns be.
        await page.ReloadAsync();
        await Expect(rows.Filter(new() { HasText = "Elsewhere" })).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Columns" }).ClickAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Columns" }).GetByLabel("Responsible").UncheckAsync();
        var viewSelect = page.GetByRole(AriaRole.Combobox, new() { Name = "View", Exact = true });
        await Expect(viewSelect.Locator("optgroup[label='Saved filters'] option")).ToHaveTextAsync(name);
        await viewSelect.SelectOptionAsync(new SelectOptionValue { Label = name });
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Filter(new() { HasText = "Elsewhere" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Responsible" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Title" })).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    /// <summary>An integration user (no password to hash) of the given name.</summary>
    private Task<string> NamedUserAsync(string name) =>
        Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("crowd"), name, kind = "INTEGRATION" });
}
