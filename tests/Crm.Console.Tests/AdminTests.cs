using System.Text.Json;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// The admin area as an admin uses it, in a real browser against the real host: a custom field
/// added and at once in the lists' column chooser, and an automation rule written, refused with
/// its errors' lines and columns, dry-run on a record, activated and seen at work in its run log;
/// a business process drawn, and one whose steps overlap arranged layer by layer.
/// </summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed partial class AdminTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
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
        await Expect(page.Locator(".code-editor .gutter .bad")).ToHaveTextAsync("3");
        await Expect(page.Locator(".code-editor mark.error-at")).ToHaveCountAsync(1);

        // A script the API refuses: its message with the script's line and column, and the place marked in the editor:
        // the script's second line is in the line of the rule holding "source", at the script's column there.
        // As an admin types it: quotes as they are, not as \u0027.
        var refused = Rule(marker, "platform.script", new { source = "log('x');\nlet = ;" }).Replace("\\u0027", "'", StringComparison.Ordinal);
        await editor.FillAsync(refused);
        // Highlighted as it is typed: the rule's keys, and the script's JavaScript inside its string.
        await Expect(page.Locator(".code-editor .hl-key").First).ToHaveTextAsync("\"name\"");
        await Expect(page.Locator(".code-editor .hl-keyword")).ToHaveTextAsync("let");
        await Expect(page.Locator(".code-editor .hl-js-string")).ToHaveTextAsync("'x'");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("line 2, column");
        var sourceLine = refused.Split('\n').ToList().FindIndex(l => l.Contains("\"source\"", StringComparison.Ordinal)) + 1;
        await Expect(page.Locator(".code-editor .gutter .bad")).ToHaveTextAsync(sourceLine.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var mark = page.Locator(".code-editor mark.error-at");
        await Expect(mark).ToHaveCountAsync(1);
        await Expect(mark).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("^line 2, column \\d+: "));
        var goTo = page.GetByRole(AriaRole.List, new() { Name = "Where the errors are in the rule" }).GetByRole(AriaRole.Button);
        await Expect(goTo).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"^Go to line {sourceLine}, column \\d+ of the rule$"));
        await goTo.ClickAsync();
        // The caret selects the marked character in the text.
        Assert.Equal(await mark.TextContentAsync(), await editor.EvaluateAsync<string>("e => e.value.substring(e.selectionStart, e.selectionEnd)"));
        await ConsoleFixture.ScreenshotAsync(page, "admin-rule-script-error");
        // Edited, the text no longer has the marks (their places may have moved).
        await editor.PressAsync("End");
        await editor.PressSequentiallyAsync(" ");
        await Expect(mark).ToHaveCountAsync(0);

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

    [Fact]
    public async Task Every_admin_page_fits_a_phone_and_the_roles_grid_fits_1280_pixels()
    {
        var (_, email) = await fixture.NewUserAsync("Nina", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        string[] pages = ["/admin/custom-fields", "/admin/lists", "/admin/people", "/admin/groups", "/admin/roles", "/admin/api-keys", "/admin/automation", "/admin/processes", "/admin/plugins"];
        var phone = await fixture.NewPageAsync(width: 390, height: 844);
        await phone.SignInAsync(email);
        var wide = new List<string>();
        foreach (var path in pages)
        {
            await phone.GotoAsync(path);
            await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            await phone.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var (page, view) = (await phone.EvaluateAsync<int>("document.documentElement.scrollWidth"), await phone.EvaluateAsync<int>("window.innerWidth"));
            if (page > view)
            {
                // Name the widest element sticking out, so a failure says what to fix.
                var culprit = await phone.EvaluateAsync<string>("""
                    [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)
                      .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
                      .slice(0, 3).map(e => e.tagName + '.' + e.className).join(', ')
                    """);
                wide.Add($"{path}: {page} px wide ({culprit})");
            }
        }

        await phone.Context.CloseAsync();
        var desk = await fixture.NewPageAsync(width: 1280, height: 800);
        await desk.SignInAsync(email);
        await desk.GotoAsync("/admin/roles");
        await Expect(desk.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        await desk.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var roles = await desk.EvaluateAsync<int>("document.documentElement.scrollWidth");
        if (roles > 1280)
        {
            wide.Add($"/admin/roles at 1280 px: {roles} px wide");
        }

        await desk.Context.CloseAsync();
        Assert.True(wide.Count == 0, string.Join("; ", wide));
    }

    [Fact]
    public async Task A_pipeline_is_made_with_stages_reordered_recoloured_and_given_semantics()
    {
        var (_, email) = await fixture.NewUserAsync("Ela", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        var name = Records.NewMarker("Pipe ");
        await page.GetByRole(AriaRole.Link, new() { Name = "Lists and pipelines" }).ClickAsync();

        await page.GetByRole(AriaRole.Textbox, new() { Name = "New pipeline" }).FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(page.GetByLabel("List", new() { Exact = true }).Locator("option:checked")).ToHaveTextAsync(name);
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New item" });
        foreach (var stage in new[] { "Alpha", "Beta" })
        {
            await form.GetByLabel("Name").FillAsync(stage);
            await form.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Delete {stage}" })).ToBeVisibleAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Move Beta up" }).ClickAsync();
        await Expect(page.Locator(".items-table tbody tr[data-name=Alpha], .items-table tbody tr[data-name=Beta]").First).ToHaveAttributeAsync("data-name", "Beta");
        await page.GetByLabel("Colour of Alpha").FillAsync("#ff0000");
        await page.GetByLabel("Semantics of Alpha").SelectOptionAsync(new SelectOptionValue { Value = "FAILURE" });
        await ConsoleFixture.ScreenshotAsync(page, "admin-pipelines");

        // Each change is saved as it is made: what the API holds catches up within moments.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string Stored(System.Text.Json.Nodes.JsonArray stages) => string.Join(", ", stages.Select(s => $"{s!["name"]} {s["color"]} {s["semantics"]}"));
        while (true)
        {
            var stored = (await Host.QueryAsync("{ pipelines { name stages { name color semantics } } }")).ShouldSucceed();
            var stages = stored.Data!["pipelines"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!["stages"]!.AsArray();
            var names = stages.Select(s => s!["name"]!.GetValue<string>()).ToList();
            var alpha = stages.Single(s => s!["name"]!.GetValue<string>() == "Alpha")!;
            if (names.IndexOf("Beta") < names.IndexOf("Alpha") && alpha["color"]?.GetValue<string>() == "#FF0000" && alpha["semantics"]?.GetValue<string>() == "FAILURE")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The stages are {Stored(stages)}");
            await Task.Delay(200);
        }

        // Renamed, then deleted: refused with the API's reason while a deal is in it.
        var renamed = $"{name} renamed";
        var settings = page.GetByRole(AriaRole.Form, new() { Name = "Pipeline", Exact = true });
        await settings.GetByLabel("Pipeline name").FillAsync(renamed);
        await settings.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Expect(page.GetByLabel("List", new() { Exact = true }).Locator("option:checked")).ToHaveTextAsync(renamed);
        var pipeline = (await Host.QueryAsync("{ pipelines { id name stages { id } } }")).ShouldSucceed().Data!["pipelines"]!.AsArray()
            .Single(p => p!["name"]!.GetValue<string>() == renamed)!;
        var pipelineId = pipeline["id"]!.GetValue<string>();
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Blocking "), pipelineId, stageId = pipeline["stages"]![0]!["id"]!.GetValue<string>() });
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await settings.GetByRole(AriaRole.Button, new() { Name = "Delete pipeline" }).ClickAsync();
        await Expect(settings.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        var reason = (await Host.QueryAsync("mutation($id: ID!) { deletePipeline(id: $id) { errors { message } } }", new { id = pipelineId })).ShouldSucceed()
            .Data!["deletePipeline"]!["errors"]![0]!["message"]!.GetValue<string>();
        await Expect(settings.GetByRole(AriaRole.Alert)).ToContainTextAsync(reason);

        (await Host.QueryAsync("mutation($id: ID!) { deleteDeal(id: $id) { errors { code } } }", new { id = deal })).ShouldSucceed();
        await settings.GetByRole(AriaRole.Button, new() { Name = "Delete pipeline" }).ClickAsync();
        await Expect(page.GetByText("The pipeline was deleted.")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("List", new() { Exact = true }).Locator("option", new() { HasText = renamed })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_role_is_made_in_the_permission_grid_with_a_level_per_type_action_and_pipeline()
    {
        var (_, email) = await fixture.NewUserAsync("Ola", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        var name = Records.NewMarker("Sellers ");
        var pipeline = (await Host.QueryAsync("{ pipelines { id name } }")).ShouldSucceed().Data!["pipelines"]![0]!;
        var pipelineName = pipeline["name"]!.GetValue<string>();
        await page.GetByRole(AriaRole.Link, new() { Name = "Roles", Exact = true }).ClickAsync();

        await page.GetByLabel("Role name").FillAsync(name);
        await page.GetByLabel("Deals: Read").SelectOptionAsync(new SelectOptionValue { Value = "OWN" });
        await page.GetByLabel("Deals: Edit").SelectOptionAsync(new SelectOptionValue { Value = "OWN" });
        await page.GetByLabel($"Deals / {pipelineName}: Edit").SelectOptionAsync(new SelectOptionValue { Value = "ALL" });
        // A stage within the pipeline: rights taken away there.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Stages of {pipelineName}" }).ClickAsync();
        await page.GetByLabel("Deals / Deal won: Edit").SelectOptionAsync(new SelectOptionValue { Value = "NONE" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        await ConsoleFixture.ScreenshotAsync(page, "admin-roles");

        var roles = (await Host.QueryAsync("{ roles { name permissions { entityType partition action level } } }")).ShouldSucceed().Data!["roles"]!.AsArray();
        var saved = roles.Single(r => r!["name"]!.GetValue<string>() == name)!["permissions"]!.AsArray()
            .Select(p => $"{p!["entityType"]} {p["partition"]} {p["action"]} {p["level"]}").Order(StringComparer.Ordinal);
        var id = pipeline["id"]!.GetValue<string>();
        Assert.Equal(new[] { $"DEAL  READ OWN", $"DEAL  UPDATE OWN", $"DEAL {id} UPDATE ALL", $"DEAL {id}/WON UPDATE NONE" }.Order(StringComparer.Ordinal), saved);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_role_an_automation_rule_names_is_kept_with_the_APIs_reason_and_deleted_once_the_rule_is_gone()
    {
        var (_, email) = await fixture.NewUserAsync("Iga", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var name = Records.NewMarker("Turn takers ");
        var role = (await Host.QueryAsync("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { message } } }",
            new { input = new { name, permissions = Array.Empty<object>() } })).ShouldSucceed().Data!["createRole"]!["role"]!["id"]!.GetValue<string>();
        var ruleName = Records.NewMarker("Deals in turn ");
        var rule = (await Host.QueryAsync("mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { message } } }",
            new { input = new { name = ruleName, trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = "records.assignRoundRobin", @params = new { roleId = long.Parse(role, System.Globalization.CultureInfo.InvariantCulture) } } } } }))
            .ShouldSucceed().Data!["createAutomationRule"]!["rule"]!["id"]!.GetValue<string>();
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Roles", Exact = true }).ClickAsync();
        var list = page.GetByRole(AriaRole.Navigation, new() { Name = "Roles" });

        // Kept while the rule names it, with the API's reason naming the rule.
        await list.GetByRole(AriaRole.Button, new() { Name = name }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete the role" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"automation rule {rule} '{ruleName}'");
        await Expect(list.GetByRole(AriaRole.Button, new() { Name = name })).ToBeVisibleAsync();

        (await Host.QueryAsync("mutation($id: ID!) { deleteAutomationRule(id: $id) { errors { message } } }", new { id = rule })).ShouldSucceed();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete the role" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"The role {name} was deleted.");
        await Expect(list.GetByRole(AriaRole.Button, new() { Name = name })).ToHaveCountAsync(0);
        Assert.DoesNotContain((await Host.QueryAsync("{ roles { id } }")).ShouldSucceed().Data!["roles"]!.AsArray(), r => r!["id"]!.GetValue<string>() == role);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_work_group_is_manned_renamed_given_a_role_that_reaches_its_member_the_role_taken_back_and_the_group_deleted()
    {
        var (_, email) = await fixture.NewUserAsync("Ewa", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        // The member holds no role of their own: whatever they may do comes through the group.
        var member = Records.NewMarker("Tomek");
        var memberEmail = PermissionHelpers.NewEmail("tomek");
        var memberId = await Host.CreateUserAsync(new { email = memberEmail, password = PermissionHelpers.Password, name = member, language = "en" });
        var group = Records.NewMarker("Key accounts ");
        var role = Records.NewMarker("Deal readers ");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);

        await page.GetByRole(AriaRole.Link, new() { Name = "Work groups" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New group" });
        await form.GetByLabel("Group name").FillAsync(group);
        await form.GetByLabel("Members: Search").FillAsync(member);
        // Ticked, the user moves from what the search found to those chosen.
        await form.GetByRole(AriaRole.Group, new() { Name = "Found" }).GetByLabel(member).ClickAsync();
        await Expect(form.GetByRole(AriaRole.Group, new() { Name = "Chosen" }).GetByLabel(member)).ToBeCheckedAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Create the group" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        await Expect(page.GetByRole(AriaRole.Row, new() { Name = group })).ToContainTextAsync(member);
        var renamed = group + " desk";
        var edit = page.GetByRole(AriaRole.Form, new() { Name = $"Edit {group}" });
        await edit.GetByLabel("Group name").FillAsync(renamed);
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Edit {renamed}" })).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "admin-groups");
        var saved = (await Host.QueryAsync("{ groups { id name memberIds } }")).ShouldSucceed().Data!["groups"]!.AsArray()
            .Single(g => g!["name"]!.GetValue<string>() == renamed)!;
        Assert.Equal([memberId], saved["memberIds"]!.AsArray().Select(m => m!.GetValue<string>()));
        var groupId = saved["id"]!.GetValue<string>();

        await page.GetByRole(AriaRole.Link, new() { Name = "Roles", Exact = true }).ClickAsync();
        await page.GetByLabel("Role name").FillAsync(role);
        await page.GetByLabel("Deals: Read").SelectOptionAsync(new SelectOptionValue { Value = "ALL" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var holders = page.GetByRole(AriaRole.Region, new() { Name = "Given to" });
        await Expect(holders).ToContainTextAsync("Nobody yet.");
        await holders.GetByLabel("To", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "A group" });
        await holders.GetByLabel("A group", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = renamed });
        await holders.GetByRole(AriaRole.Button, new() { Name = "Give the role" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The role was given.");
        await Expect(holders.GetByRole(AriaRole.List)).ToContainTextAsync($"Group {renamed}");
        Assert.Equal([$"group {groupId}"], await AssignmentsAsync(role));

        // The member, signed in, now has the deals the role reads.
        var memberPage = await fixture.NewPageAsync();
        await memberPage.SignInAsync(memberEmail);
        await Expect(memberPage.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" }).GetByRole(AriaRole.Link, new() { Name = "Deals" })).ToBeVisibleAsync();
        await memberPage.Context.CloseAsync();

        await holders.GetByRole(AriaRole.Button, new() { Name = $"Take back from Group {renamed}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The role was taken back.");
        await Expect(holders).ToContainTextAsync("Nobody yet.");
        Assert.Empty(await AssignmentsAsync(role));

        // Given again, then the group deleted: the role goes with it.
        await holders.GetByLabel("A group", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = renamed });
        await holders.GetByRole(AriaRole.Button, new() { Name = "Give the role" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The role was given.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Work groups" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Edit {renamed}" }).ClickAsync();
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete the group" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"The group {renamed} was deleted.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Edit {renamed}" })).ToHaveCountAsync(0);
        Assert.Empty(await AssignmentsAsync(role));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_groups_departments_and_role_holders_read_in_Polish()
    {
        var (memberId, _) = await fixture.NewUserAsync("Maja", [new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        var group = Records.NewMarker("Grupa ");
        var groupId = await Host.CreateGroupAsync(group, memberId);
        var department = Records.NewMarker("Dział ");
        var departmentId = await Host.CreateDepartmentAsync(department);
        var roleId = await Host.CreateRoleAsync("Rola ", [new { entityType = "DEAL", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(roleId, groupId: groupId)).Ok();
        (await Host.AssignAsync(roleId, departmentId: departmentId, sub: true)).Ok();
        var role = (await Host.QueryAsync("{ roles { id name } }")).ShouldSucceed().Data!["roles"]!.AsArray()
            .Single(r => r!["id"]!.GetValue<string>() == roleId)!["name"]!.GetValue<string>();
        var (_, email) = await fixture.NewUserAsync("Zofia", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true, language: "pl");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);

        await page.GotoAsync("/admin/groups");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Grupy robocze", Level = 1 })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Edytuj {group}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Usuń grupę" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Grupy" })).ToContainTextAsync("Członkowie: 1");
        await NoKeyOrPlaceholderShownAsync(page);

        await page.GotoAsync("/admin/people");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Użytkownicy i działy", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Usuń dział {department}" })).ToBeVisibleAsync();
        await NoKeyOrPlaceholderShownAsync(page);

        await page.GotoAsync("/admin/roles");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Role" }).GetByRole(AriaRole.Button, new() { Name = role }).ClickAsync();
        var holders = page.GetByRole(AriaRole.Region, new() { Name = "Przypisana do" });
        await Expect(holders.GetByRole(AriaRole.List)).ToContainTextAsync($"Grupa {group}");
        await Expect(holders.GetByRole(AriaRole.List)).ToContainTextAsync($"Dział {department} z poddziałami");
        await Expect(holders.GetByRole(AriaRole.Button, new() { Name = $"Odbierz: Grupa {group}" })).ToBeVisibleAsync();
        await Expect(holders.GetByRole(AriaRole.Button, new() { Name = "Przypisz rolę" })).ToBeVisibleAsync();
        await NoKeyOrPlaceholderShownAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "admin-role-holders-pl");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Every_page_of_the_menu_and_a_record_read_in_Polish_with_no_English_text_of_the_catalogs_left()
    {
        var english = EnglishOnlyPhrases();
        // The lists' items are the admin's data, seeded in English (a stage "In progress" is a name, not a label of the console).
        english.ExceptWith((await Host.QueryAsync("{ selectionLists { items { name } } }")).ShouldSucceed().Data!["selectionLists"]!.AsArray()
            .SelectMany(l => l!["items"]!.AsArray()).Select(i => i!["name"]!.GetValue<string>()));
        Assert.True(english.Count > 300, $"Only {english.Count} English phrases read from the catalogs");
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Umowa "), opportunity = 10, currencyId = "PLN" });
        var (_, email) = await fixture.NewUserAsync("Wiktor", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true, language: "pl");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Mój dzień", Level = 1 })).ToBeVisibleAsync();
        var menu = page.GetByRole(AriaRole.Navigation, new() { Name = "Menu główne" }).GetByRole(AriaRole.Link);
        var paths = new List<string>();
        foreach (var link in await menu.AllAsync())
        {
            paths.Add((await link.GetAttributeAsync("href"))!);
        }

        Assert.True(paths.Count >= 15, $"The menu has {paths.Count} links: {string.Join(", ", paths)}");
        paths.Add($"/records/deal/{deal}");
        var found = new List<string>();
        foreach (var path in paths)
        {
            await page.GotoAsync(path);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 }).First).ToBeVisibleAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await NoKeyOrPlaceholderShownAsync(page);
            // What is read as well as what is seen: the text, and the labels, titles and placeholders of every element.
            var shown = await page.Locator("body").InnerTextAsync() + "\n" + await page.EvaluateAsync<string>(
                "() => Array.from(document.querySelectorAll('[aria-label],[title],[placeholder]')).map(e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')].filter(Boolean).join('\\n')).join('\\n')");
            found.AddRange(english.Where(phrase => shown.Contains(phrase, StringComparison.Ordinal)).Select(phrase => $"{path}: \"{phrase}\" in …{Around(shown, phrase)}…"));
        }

        Assert.True(found.Count == 0, "English texts of the catalogs on pages a Polish user reads:\n" + string.Join("\n", found));
        await page.Context.CloseAsync();
    }

    private static string Around(string text, string phrase)
    {
        var at = text.IndexOf(phrase, StringComparison.Ordinal);
        return text[Math.Max(0, at - 60)..Math.Min(text.Length, at + phrase.Length + 60)].ReplaceLineEndings(" ");
    }

    /// <summary>
    /// The English catalogs' texts that differ from their Polish ones, cut at their {placeholders}: each piece of
    /// two words or more. Shown to a Polish user, such a piece means a text was not taken from the catalog.
    /// </summary>
    private static HashSet<string> EnglishOnlyPhrases()
    {
        var folder = Path.Combine(TestPostgres.RepositoryRoot(), "host", "Crm.Console", "src", "i18n");
        var phrases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*.ts"))
        {
            var source = File.ReadAllText(file);
            var polishAt = source.IndexOf("Pl: Record<", StringComparison.Ordinal);
            if (polishAt < 0)
            {
                continue;
            }

            var english = CatalogEntry().Matches(source[..polishAt]).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["text"].Value);
            var polish = CatalogEntry().Matches(source[polishAt..]).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["text"].Value);
            foreach (var (key, text) in english)
            {
                if (polish.GetValueOrDefault(key) == text)
                {
                    continue;
                }

                foreach (var piece in Placeholder().Split(text.Replace("\\'", "'", StringComparison.Ordinal)))
                {
                    var trimmed = piece.Trim(' ', ',', '.', ':', '(', ')', '—', '…');
                    if (Word().Matches(trimmed).Count >= 2)
                    {
                        phrases.Add(trimmed);
                    }
                }
            }
        }

        return phrases;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)^  '(?<key>[^']+)': '(?<text>(?:[^'\\]|\\.)*)',$")]
    private static partial System.Text.RegularExpressions.Regex CatalogEntry();

    [System.Text.RegularExpressions.GeneratedRegex(@"\{\w+\}")]
    private static partial System.Text.RegularExpressions.Regex Placeholder();

    [System.Text.RegularExpressions.GeneratedRegex(@"\p{L}{2,}")]
    private static partial System.Text.RegularExpressions.Regex Word();

    /// <summary>Neither a message key (a text missing from the catalog) nor an unfilled {placeholder} shows anywhere on the page.</summary>
    private static async Task NoKeyOrPlaceholderShownAsync(IPage page)
    {
        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotMatch(@"\b(admin|bulk|list|app|views|import|plugins)\.[a-z]+[A-Za-z.]*\b|\{[a-z]+\}", text);
    }

    /// <summary>To whom the role of this name is given, as the API lists it.</summary>
    private async Task<string[]> AssignmentsAsync(string role) =>
        [.. (await Host.QueryAsync("{ roles { name assignments { userId departmentId groupId } } }")).ShouldSucceed().Data!["roles"]!.AsArray()
            .Single(r => r!["name"]!.GetValue<string>() == role)!["assignments"]!.AsArray()
            .Select(a => a!["groupId"] is { } g ? $"group {g}" : a["userId"] is { } u ? $"user {u}" : $"department {a["departmentId"]}")];

    [Fact]
    public async Task A_department_user_and_API_key_are_made_the_key_revoked_and_deleted_and_an_empty_department_deleted()
    {
        var (_, email) = await fixture.NewUserAsync("Iza", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        var department = Records.NewMarker("Sales ");
        var person = Records.NewMarker("Jan");
        await page.GetByRole(AriaRole.Link, new() { Name = "Users and departments" }).ClickAsync();

        await page.GetByLabel("Department name").FillAsync(department);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a department" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Tree).GetByText(department)).ToBeVisibleAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New user" });
        await form.GetByLabel("E-mail").FillAsync($"{person}@example.com");
        await form.GetByLabel("First name").FillAsync(person);
        await form.GetByLabel("Department").SelectOptionAsync(new SelectOptionValue { Label = department });
        await form.GetByRole(AriaRole.Button, new() { Name = "Create the user" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row, new() { Name = person })).ToContainTextAsync(department);
        await ConsoleFixture.ScreenshotAsync(page, "admin-people");

        // A department someone is in is kept, with the API's reason; an empty one is deleted.
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete the department {department}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("1 person");
        await Expect(page.GetByRole(AriaRole.Tree).GetByText(department)).ToBeVisibleAsync();
        var spare = Records.NewMarker("Spare ");
        await page.GetByLabel("Department name").FillAsync(spare);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a department" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Tree).GetByText(spare)).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete the department {spare}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"The department {spare} was deleted.");
        await Expect(page.GetByRole(AriaRole.Tree).GetByText(spare)).ToHaveCountAsync(0);
        Assert.DoesNotContain((await Host.QueryAsync("{ departments { name } }")).ShouldSucceed().Data!["departments"]!.AsArray(), d => d!["name"]!.GetValue<string>() == spare);

        await page.GetByRole(AriaRole.Link, new() { Name = "API keys" }).ClickAsync();
        var keyForm = page.GetByRole(AriaRole.Form, new() { Name = "New API key" });
        await keyForm.GetByLabel("Name").FillAsync(person + " key");
        // No user chosen: said at the field before anything is sent. The user is found by the API's search, however many there are.
        await keyForm.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        await Expect(keyForm.GetByRole(AriaRole.Alert)).ToContainTextAsync("Choose the user the key acts as.");
        await keyForm.GetByLabel("User: Search").FillAsync(person);
        await keyForm.GetByLabel("User", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = person });
        await keyForm.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        var key = (await keyForm.GetByRole(AriaRole.Alert).Locator("code").InnerTextAsync()).Trim();
        Assert.Equal(person, (await Host.QueryAsync("{ me { name } }", apiKey: key)).ShouldSucceed().Data!["me"]!["name"]!.GetValue<string>());
        // The key's row names its user (loaded with the keys, not looked up in a page of users).
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "API keys" }).GetByRole(AriaRole.Row).Filter(new() { HasText = person + " key" }).Locator("td").Nth(2)).ToHaveTextAsync(person);

        await page.GetByRole(AriaRole.Button, new() { Name = $"Revoke {person} key" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The key was revoked.");
        Assert.NotEmpty((await Host.QueryAsync("{ me { name } }", apiKey: key)).Errors);

        // Deleted for good, after the confirmation (accepted above): gone from the list and the database.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete {person} key" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"The key {person} key was deleted.");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "API keys" }).GetByText(person + " key")).ToHaveCountAsync(0);
        Assert.DoesNotContain((await Host.QueryAsync("{ apiKeys { name } }")).ShouldSucceed().Data!["apiKeys"]!.AsArray(), k => k!["name"]!.GetValue<string>() == person + " key");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_business_process_is_drawn_refused_with_the_APIs_reason_fixed_saved_as_the_APIs_JSON_and_activated()
    {
        var (_, email) = await fixture.NewUserAsync("Ewa", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        var name = Records.NewMarker("Onboarding ");
        await page.GetByRole(AriaRole.Link, new() { Name = "Business processes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Process graph" })).ToBeVisibleAsync();

        await page.GetByLabel("Process name").FillAsync(name);
        var add = page.GetByRole(AriaRole.Form, new() { Name = "Add a step" });
        await add.GetByLabel("Step id").FillAsync("note");
        await add.GetByLabel("Kind").SelectOptionAsync(new SelectOptionValue { Value = "action" });
        await add.GetByRole(AriaRole.Button, new() { Name = "Add a step" }).ClickAsync();
        // The step's parameters written with the completion: an action step's keys, its action kind, then that kind's parameters.
        var parameters = page.GetByLabel("Parameters (JSON)");
        var fits = page.GetByRole(AriaRole.Listbox, new() { Name = "What fits here" });
        await parameters.FillAsync("{ }");
        await parameters.EvaluateAsync("e => { e.focus(); e.setSelectionRange(2, 2); }");
        await parameters.PressAsync("Control+Space");
        await Expect(fits.GetByRole(AriaRole.Option)).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("^kind"), new System.Text.RegularExpressions.Regex("^params")]);
        await parameters.PressAsync("Enter");
        await parameters.PressSequentiallyAsync("\"timeline.addC");
        await Expect(fits.GetByRole(AriaRole.Option).First).ToContainTextAsync("timeline.addComment");
        await parameters.PressAsync("Enter");
        await parameters.PressSequentiallyAsync(", ");
        await parameters.PressAsync("Control+Space");
        await Expect(fits.GetByRole(AriaRole.Option)).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("^params")]);
        await parameters.PressAsync("Enter");
        await parameters.PressSequentiallyAsync("{ \"te");
        await Expect(fits.GetByRole(AriaRole.Option).First).ToContainTextAsync("text");
        await parameters.PressAsync("Enter");
        await parameters.PressSequentiallyAsync("\"Welcome\" } ");
        Assert.Equal("{ \"kind\": \"timeline.addComment\", \"params\": { \"text\": \"Welcome\" } }", await parameters.InputValueAsync());

        // Not yet connected: the API's reason, naming the step.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'note'");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove the edge start → end" }).ClickAsync();
        var connect = page.GetByRole(AriaRole.Form, new() { Name = "Connect" });
        foreach (var (from, to) in new[] { ("start", "note"), ("note", "end") })
        {
            await connect.GetByLabel("From").SelectOptionAsync(from);
            await connect.GetByLabel("To").SelectOptionAsync(to);
            await connect.GetByRole(AriaRole.Button, new() { Name = "Connect" }).ClickAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Activate" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The process is active.");
        await ConsoleFixture.ScreenshotAsync(page, "admin-process-editor");

        var processes = (await Host.QueryAsync("{ businessProcesses { active { name graph } } }")).ShouldSucceed().Data!["businessProcesses"]!.AsArray();
        var graph = processes.Select(p => p!["active"]).Single(v => v?["name"]?.GetValue<string>() == name)!["graph"]!;
        Assert.Equal(["end", "note", "start"], graph["steps"]!.AsArray().Select(st => st!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(["note>end", "start>note"], graph["edges"]!.AsArray().Select(e => $"{e!["from"]}>{e["to"]}").Order(StringComparer.Ordinal));
        Assert.Equal("timeline.addComment", graph["steps"]!.AsArray().Single(st => st!["id"]!.GetValue<string>() == "note")!["params"]!["kind"]!.GetValue<string>());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_process_whose_steps_overlap_is_arranged_layer_by_layer_and_saved_so()
    {
        // Every step at one point, as a process written through the API without positions may come.
        var name = Records.NewMarker("Tangled ");
        object Step(string id, string kind, object? parameters = null) => new { id, kind, @params = parameters ?? new { }, position = new { x = 0, y = 0 } };
        object Comment(string id) => Step(id, "action", new { kind = "timeline.addComment", @params = new { text = id } });
        var created = await Host.MutateAsync("createBusinessProcess",
            "mutation($input: BusinessProcessInput!) { createBusinessProcess(entityType: DEAL, input: $input) { process { id } errors { code message path } } }",
            new
            {
                input = new
                {
                    name,
                    graph = new
                    {
                        steps = new[] { Step("start", "start"), Step("check", "if", new { condition = new { field = "opportunity", op = "gt", value = 1000 } }), Comment("large"), Comment("small"), Comment("thanks"), Step("end", "end") },
                        edges = new object[]
                        {
                            new { from = "start", to = "check" }, new { from = "check", to = "large", when = "true" }, new { from = "check", to = "small", when = "false" },
                            new { from = "large", to = "thanks" }, new { from = "small", to = "thanks" }, new { from = "thanks", to = "end" },
                        },
                    },
                },
            });
        Assert.Empty(created["errors"]!.AsArray());
        var (_, email) = await fixture.NewUserAsync("Iga", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Business processes" }).ClickAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Business processes" }).GetByRole(AriaRole.Button, new() { Name = name }).ClickAsync();
        await Expect(page.GetByLabel("Process name")).ToHaveValueAsync(name);

        await page.GetByRole(AriaRole.Button, new() { Name = "Arrange the steps" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        await ConsoleFixture.ScreenshotAsync(page, "admin-process-arranged");

        var process = (await Host.QueryAsync("{ businessProcesses { draft { name graph } active { name } } }")).ShouldSucceed().Data!["businessProcesses"]!.AsArray()
            .Single(p => p!["draft"]?["name"]?.GetValue<string>() == name)!;
        var at = process["draft"]!["graph"]!["steps"]!.AsArray().ToDictionary(st => st!["id"]!.GetValue<string>(), st => (X: st!["position"]!["x"]!.GetValue<int>(), Y: st["position"]!["y"]!.GetValue<int>()));
        // Down the page, one layer per step of the longest way; the two branches side by side, the rest centred above and below them.
        Assert.True(at["start"].Y < at["check"].Y && at["check"].Y < at["large"].Y && at["large"].Y < at["thanks"].Y && at["thanks"].Y < at["end"].Y, string.Join(", ", at));
        Assert.Equal(at["large"].Y, at["small"].Y);
        Assert.True(at["large"].X < at["small"].X, "The true branch, the first edge, stands left of the false one.");
        Assert.Equal(0, at["large"].X + at["small"].X);
        Assert.All(new[] { "start", "check", "thanks", "end" }, id => Assert.Equal(0, at[id].X));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_rule_editor_completes_kinds_parameters_fields_and_stages_from_the_api()
    {
        var (_, email) = await fixture.NewUserAsync("Ala", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var marker = Records.NewMarker("Completed ");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Automation rules" }).ClickAsync();
        var editor = page.GetByLabel("Rule (JSON)");
        var list = page.GetByRole(AriaRole.Listbox, new() { Name = "What fits here" });
        async Task CaretAfter(string text)
        {
            await editor.EvaluateAsync("(e, t) => { const at = e.value.indexOf(t) + t.length; e.focus(); e.setSelectionRange(at, at); }", text);
        }

        // The trigger's kind: Ctrl+Space lists the catalog's triggers for deals; typing narrows them; Enter puts one in.
        await editor.FillAsync($"{{\n  \"name\": \"{marker}\",\n  \"trigger\": {{ \"kind\": \"\" }},\n  \"actions\": [\n    {{ \"kind\": \"records.changeStage\", \"params\": {{  }} }}\n  ]\n}}");
        await CaretAfter("\"kind\": \"");
        await editor.PressAsync("Control+Space");
        await Expect(list.GetByRole(AriaRole.Option, new() { Name = "records.created", Exact = false }).First).ToBeVisibleAsync();
        await editor.PressSequentiallyAsync("creat");
        await Expect(list.GetByRole(AriaRole.Option).First).ToContainTextAsync("records.created");
        // The option chosen is the one the editor says is active, for screen readers.
        Assert.Equal(await list.GetByRole(AriaRole.Option).First.GetAttributeAsync("id"), await editor.GetAttributeAsync("aria-activedescendant"));
        await editor.PressAsync("Enter");
        await Expect(list).ToHaveCountAsync(0);
        Assert.Contains("\"trigger\": { \"kind\": \"records.created\" }", await editor.InputValueAsync(), StringComparison.Ordinal);

        // The action's parameters by its kind (records.changeStage: stageId), then the stages of the deals' pipelines,
        // listed as the quote is typed, with their names.
        await CaretAfter("\"params\": { ");
        await editor.PressAsync("Control+Space");
        await Expect(list.GetByRole(AriaRole.Option).First).ToContainTextAsync("stageId");
        await editor.PressAsync("Enter");
        await editor.PressSequentiallyAsync("\"");
        await Expect(list.GetByRole(AriaRole.Option, new() { Name = "WON" }).First).ToBeVisibleAsync();
        await editor.PressSequentiallyAsync("WO");
        await Expect(list.GetByRole(AriaRole.Option).First).ToContainTextAsync("WON");
        await ConsoleFixture.ScreenshotAsync(page, "admin-rule-completion");
        await editor.PressAsync("Enter");
        Assert.Contains("\"params\": { \"stageId\": \"WON\" }", await editor.InputValueAsync(), StringComparison.Ordinal);

        // A key of the rule itself, with what it means; arrows move the choice, Escape closes the list and keeps the text.
        await CaretAfter($"\"{marker}\",");
        await editor.PressAsync("Enter");
        await editor.PressSequentiallyAsync("  \"con");
        await Expect(list.GetByRole(AriaRole.Option).First).ToContainTextAsync("condition");
        await Expect(list.GetByRole(AriaRole.Option).First).ToContainTextAsync("When it acts");
        await editor.PressAsync("Escape");
        await Expect(list).ToHaveCountAsync(0);
        await editor.PressAsync("Control+Space");
        await editor.PressAsync("Enter");
        await editor.PressSequentiallyAsync("{ \"field\": \"ti");
        await Expect(list.GetByRole(AriaRole.Option).First).ToContainTextAsync("title");
        await editor.PressAsync("Enter");
        await editor.PressSequentiallyAsync(", \"op\": \"cont");
        await editor.PressAsync("Enter");
        await editor.PressSequentiallyAsync($", \"value\": \"{marker}\" }},");

        // What was completed is a rule the API takes.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var saved = (await Host.QueryAsync("{ automationRules(entityType: DEAL) { draft { name trigger { kind } condition actions { kind params } } } }")).ShouldSucceed()
            .Data!["automationRules"]!.AsArray().Select(r => r!["draft"]).Single(d => d?["name"]?.GetValue<string>() == marker)!;
        Assert.Equal("records.created", saved["trigger"]!["kind"]!.GetValue<string>());
        Assert.Equal("contains", saved["condition"]!["op"]!.GetValue<string>());
        Assert.Equal("title", saved["condition"]!["field"]!.GetValue<string>());
        Assert.Equal("WON", saved["actions"]![0]!["params"]!["stageId"]!.GetValue<string>());

        // A rule scoped to a pipeline is offered that pipeline's stages only.
        var pipeline = (await Host.MutateAsync("createPipeline", "mutation($name: String!) { createPipeline(input: { name: $name }) { pipeline { id } errors { code message path } } }",
            new { name = Records.NewMarker("Scoped ") })).Ok()["pipeline"]!["id"]!.GetValue<string>();
        // Made while the page was open: the editor asks the API again when it is opened again.
        await page.GetByRole(AriaRole.Link, new() { Name = "Lists and pipelines" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Automation rules" }).ClickAsync();
        await editor.FillAsync($"{{\n  \"name\": \"{marker} scoped\",\n  \"scope\": {{ \"pipelineId\": {pipeline} }},\n  \"trigger\": {{ \"kind\": \"platform.manual\" }},\n  \"actions\": [ {{ \"kind\": \"records.changeStage\", \"params\": {{ \"stageId\": \"\" }} }} ]\n}}");
        await CaretAfter("\"stageId\": \"");
        await editor.PressAsync("Control+Space");
        await Expect(list.GetByRole(AriaRole.Option).First).ToContainTextAsync($"C{pipeline}:");
        await Expect(list.GetByRole(AriaRole.Option).Filter(new() { HasNotText = $"C{pipeline}:" })).ToHaveCountAsync(0);
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
