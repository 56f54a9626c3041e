using System.Text.Json;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Timeline;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// The admin area as an admin uses it, in a real browser against the real host: a custom field
/// added and at once in the lists' column chooser, and an automation rule written, refused with
/// its errors' lines and columns, dry-run on a record, activated and seen at work in its run log.
/// </summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed class AdminTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_custom_field_added_in_the_admin_area_is_in_the_lists_column_chooser_without_a_reload()
    {
        var (_, email) = await fixture.NewUserAsync("Adam", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        // Gone after a reload: proof at the end that the page was never loaded again.
        await page.EvaluateAsync("() => { window.crmNoReload = true; }");
        var label = Records.NewMarker("Budget ");
        var code = "UF_CRM_BUDGET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

        await page.GetByRole(AriaRole.Link, new() { Name = "Deals" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Columns" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Columns" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = label })).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Custom fields" }).ClickAsync();
        await page.GetByLabel("Record type").SelectOptionAsync(new SelectOptionValue { Value = "DEAL" });
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New custom field" });
        await form.GetByLabel("Code").FillAsync(code);
        await form.GetByLabel("Type").SelectOptionAsync(new SelectOptionValue { Value = "MONEY" });
        await form.GetByLabel("Label", new() { Exact = true }).FillAsync(label);
        await form.GetByLabel("Label in Polish").FillAsync(label + " PL");
        await form.GetByLabel("Smallest value").FillAsync("0");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add the field" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"The field {label} was added.");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Custom fields" }).GetByText(label, new() { Exact = true })).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "admin-custom-fields");

        await page.GetByRole(AriaRole.Link, new() { Name = "Deals" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Columns" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = label })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.crmNoReload === true"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_rule_is_refused_with_its_errors_lines_dry_run_on_a_record_activated_and_seen_at_work()
    {
        var (_, email) = await fixture.NewUserAsync("Ala", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var marker = Records.NewMarker("Ruled ");
        var existing = await Host.CreateDealAsync(new { title = marker + " before" });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Automation rules" }).ClickAsync();
        var editor = page.GetByLabel("Rule (JSON)");

        // Not JSON: where, by line and column, before anything is sent.
        await editor.FillAsync("{\n  \"name\": \"Broken\",\n  \"trigger\": { kind: 1 }\n}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("line 3, column");

        // A script the API refuses: its message with the script's line and column.
        await editor.FillAsync(Rule(marker, "platform.script", new { source = "log('x');\nlet = ;" }));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("line 2, column");

        await editor.FillAsync(Rule(marker, "records.setFields", new { fields = new { comments = marker } }));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        await Expect(page.GetByText("Draft (version 1)")).ToBeVisibleAsync();

        // A dry run on a deal that exists: what the rule would change, and nothing changed.
        await page.GetByLabel("Record id for the dry run").FillAsync(existing);
        await page.GetByRole(AriaRole.Button, new() { Name = "Dry run", Exact = true }).ClickAsync();
        var result = page.GetByTestId("dry-run-result");
        await Expect(result).ToContainTextAsync($"Dry run on record {existing}");
        await Expect(result).ToContainTextAsync("Step 1 records.setFields");
        await Expect(result).ToContainTextAsync(marker);
        var untouched = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = existing })).ShouldSucceed();
        Assert.NotEqual(marker, untouched.Data!["deal"]!["comments"]?.GetValue<string>());
        await ConsoleFixture.ScreenshotAsync(page, "admin-automation");

        await page.GetByRole(AriaRole.Button, new() { Name = "Activate" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The rule is active.");

        // It acts: a new deal gets its comment, and the run log shows the run.
        var created = await Host.CreateDealAsync(new { title = marker + " after" });
        await Host.DeliverAsync();
        var acted = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = created })).ShouldSucceed();
        Assert.Equal(marker, acted.Data!["deal"]!["comments"]!.GetValue<string>());
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Run log" })).ToContainTextAsync($"on record DEAL {created}: SUCCEEDED");
        await page.Context.CloseAsync();
    }

    /// <summary>A rule on deals created with the test's marker in their title, with one action.</summary>
    private static string Rule(string marker, string kind, object parameters) => JsonSerializer.Serialize(new
    {
        name = marker,
        trigger = new { kind = "records.created" },
        condition = new { field = "title", op = "contains", value = marker },
        actions = new[] { new { kind, @params = parameters } },
    }, new JsonSerializerOptions { WriteIndented = true });
}
