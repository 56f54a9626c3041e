using System.Diagnostics;
using System.Globalization;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// The sales workspace as a salesperson uses it, in a real browser against the real host:
/// a lead made and converted, found by the top bar's search, its deal found in a filtered list and won on the board, the
/// timeline live in a second browser, a record edited in place, my day, and what a user who may
/// read only their own deals sees.
/// </summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed class SalesWorkspaceTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_lead_is_created_and_converted_its_deal_found_in_a_filtered_list_and_won_on_the_board()
    {
        var (_, email) = await fixture.NewUserAsync("Marta", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        var title = Records.NewMarker("Windows for the school ");

        // A new lead, from the leads' list.
        await Menu(page).GetByRole(AriaRole.Link, new() { Name = "Leads" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[name=title]").FillAsync(title);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Level = 1 })).ToBeVisibleAsync();

        // The person's name, edited in place (a contact needs one), then converted: a new contact and a deal in the default pipeline.
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit First name" }).ClickAsync();
        await page.Locator(".inline-edit [name=name]").FillAsync("Jan");
        await page.Locator(".inline-edit").GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator(".field[data-field=name]")).ToContainTextAsync("Jan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Convert" }).ClickAsync();
        await ConsoleFixture.ScreenshotAsync(page, "lead-conversion");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Convert" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The lead was converted.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Open the deal" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Level = 1 })).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "deal-record");

        // The top bar's search finds the lead and its deal.
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search everything" }).FillAsync(title);
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search everything" }).PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Leads" }).GetByRole(AriaRole.Link, new() { Name = title })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Deals" }).GetByRole(AriaRole.Link, new() { Name = title })).ToBeVisibleAsync();

        // Found in the deals' list through the filter builder.
        await Menu(page).GetByRole(AriaRole.Link, new() { Name = "Deals" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Filters" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a condition" }).ClickAsync();
        var filters = page.GetByRole(AriaRole.Form, new() { Name = "Filters" });
        await filters.GetByLabel("Field").SelectOptionAsync(new SelectOptionValue { Value = "title" });
        await filters.GetByLabel("Operator").SelectOptionAsync(new SelectOptionValue { Value = "contains" });
        await filters.GetByLabel("Value").FillAsync(title[^10..]);
        await filters.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        var rows = page.Locator("table tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.GetByRole(AriaRole.Link, new() { Name = title })).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "deal-list");

        // Won on the board: dragged from its first stage to WON.
        await Menu(page).GetByRole(AriaRole.Link, new() { Name = "Deal board" }).ClickAsync();
        var card = page.Locator(".card", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = title }) });
        var won = page.Locator(".board-column[data-stage=WON]");
        await Expect(card).ToBeVisibleAsync();
        await card.DragToAsync(won);
        await Expect(won.GetByRole(AriaRole.Link, new() { Name = title })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await ConsoleFixture.ScreenshotAsync(page, "deal-board");
        var dealId = await card.GetAttributeAsync("data-deal");
        // The card moves on screen at once; the API's answer may still be on its way.
        var stage = "";
        for (var wait = Stopwatch.StartNew(); stage != "WON" && wait.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(100))
        {
            var stored = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { stageId closed } }", new { id = dealId })).ShouldSucceed();
            stage = stored.Data!["deal"]!["stageId"]!.GetValue<string>();
        }

        Assert.Equal("WON", stage);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_move_the_API_refuses_snaps_back_with_the_reason()
    {
        // May read every deal but change only their own: someone else's deal cannot move.
        var (_, email) = await fixture.NewUserAsync("Olek", [
            new { entityType = "DEAL", action = "READ", level = "ALL" },
            new { entityType = "DEAL", action = "UPDATE", level = "OWN" },
        ]);
        var title = Records.NewMarker("Roof repair ");
        await Host.CreateDealAsync(new { title, opportunity = 1200, currencyId = "PLN" });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);

        await page.GotoAsync("/board");
        var card = page.Locator(".card", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = title }) });
        var first = page.Locator(".board-column").First;
        await Expect(first.Locator(".card", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = title }) })).ToBeVisibleAsync();
        await card.DragToAsync(page.Locator(".board-column[data-stage=WON]"));

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The move was refused");
        await Expect(first.GetByRole(AriaRole.Link, new() { Name = title })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_board_column_counts_and_sums_every_deal_in_it_and_loads_more_cards()
    {
        var (_, email) = await fixture.NewUserAsync("Ewa", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var pipeline = (await Host.QueryAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id stages { id } } errors { code message } } }",
            new { input = new { name = Records.NewMarker("Wholesale ") } })).ShouldSucceed().Data!["createPipeline"]!["pipeline"]!;
        var pipelineId = pipeline["id"]!.GetValue<string>();
        var stages = pipeline["stages"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        // More deals than a column loads at first (50): 52 in dollars and one in euros.
        foreach (var chunk in Enumerable.Range(0, 53).Chunk(8))
        {
            await Task.WhenAll(chunk.Select(i => Host.CreateDealAsync(i < 52
                ? new { title = $"Pallet {i}", opportunity = 10m, currencyId = "USD", pipelineId, stageId = stages[0] }
                : new { title = "Crate", opportunity = 7.5m, currencyId = "EUR", pipelineId, stageId = stages[0] })));
        }

        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/board/{pipelineId}");
        var first = page.Locator($".board-column[data-stage='{stages[0]}']");
        var second = page.Locator($".board-column[data-stage='{stages[1]}']");
        await Expect(first.Locator(".board-count")).ToHaveTextAsync("Deals: 53");
        await Expect(first.Locator(".board-sum")).ToContainTextAsync("$520.00");
        await Expect(first.Locator(".board-sum")).ToContainTextAsync("€7.50");
        await Expect(first.Locator(".card")).ToHaveCountAsync(50);

        await first.GetByRole(AriaRole.Button, new() { Name = "Load more (50 of 53 shown)" }).ClickAsync();
        await Expect(first.Locator(".card")).ToHaveCountAsync(53);
        await Expect(first.GetByRole(AriaRole.Button, new() { NameRegex = new("^Load more") })).ToHaveCountAsync(0);

        // A move takes the card's amount with it.
        await first.GetByRole(AriaRole.Combobox, new() { Name = "Move to stage: Crate" }).SelectOptionAsync(stages[1]);
        await Expect(second.Locator(".board-count")).ToHaveTextAsync("Deals: 1");
        await Expect(second.Locator(".board-sum")).ToContainTextAsync("€7.50");
        await Expect(first.Locator(".board-count")).ToHaveTextAsync("Deals: 52");
        await Expect(first.Locator(".board-sum")).Not.ToContainTextAsync("€");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Bulk_change_stage_offers_the_selected_deals_pipeline_stages_and_a_stage_per_pipeline_for_a_mix()
    {
        var (_, email) = await fixture.NewUserAsync("Igor", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var pipeline = (await Host.QueryAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id stages { id name } } errors { code message } } }",
            new { input = new { name = Records.NewMarker("Export ") } })).ShouldSucceed().Data!["createPipeline"]!["pipeline"]!;
        var stages = pipeline["stages"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        var marker = Records.NewMarker("Mixed ");
        await Host.CreateDealAsync(new { title = $"{marker} general" });
        var exported = await Host.CreateDealAsync(new { title = $"{marker} export", pipelineId = pipeline["id"]!.GetValue<string>(), stageId = stages[0] });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).FillAsync(marker);
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).PressAsync("Enter");
        await Expect(page.Locator("table tbody tr")).ToHaveCountAsync(2);

        await page.GetByLabel($"Select {marker} general").CheckAsync();
        await page.GetByLabel($"Select {marker} export").CheckAsync();
        // Deals of two pipelines: no one list of stages, a stage per pipeline instead (ListToolsMoreTests changes them).
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Change stage per pipeline" }).GetByRole(AriaRole.Combobox)).ToHaveCountAsync(2);
        await Expect(page.GetByRole(AriaRole.Combobox, new() { Name = "Change stage" })).ToHaveCountAsync(0);

        await page.GetByLabel($"Select {marker} general").UncheckAsync();
        var change = page.GetByRole(AriaRole.Combobox, new() { Name = "Change stage" });
        var offered = await change.Locator("option").EvaluateAllAsync<string[]>("options => options.map(o => o.value).filter(v => v)");
        Assert.Equal(stages, offered);
        await change.SelectOptionAsync(stages[1]);
        var stage = "";
        for (var wait = Stopwatch.StartNew(); stage != stages[1] && wait.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(100))
        {
            stage = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { stageId } }", new { id = exported })).ShouldSucceed().Data!["deal"]!["stageId"]!.GetValue<string>();
        }

        Assert.Equal(stages[1], stage);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_timeline_updates_live_in_a_second_browser()
    {
        var (_, watcherEmail) = await fixture.NewUserAsync("Watcher", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var (_, writerEmail) = await fixture.NewUserAsync("Writer", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var title = Records.NewMarker("Fleet renewal ");
        var dealId = await Host.CreateDealAsync(new { title, opportunity = 50000, currencyId = "EUR" });
        var watcher = await fixture.NewPageAsync();
        var writer = await fixture.NewPageAsync();
        await watcher.SignInAsync(watcherEmail);
        await writer.SignInAsync(writerEmail);

        await watcher.GotoAsync($"/records/deal/{dealId}");
        await Expect(watcher.Locator(".badge.live")).ToBeVisibleAsync();
        await writer.GotoAsync($"/records/deal/{dealId}");
        var comment = Records.NewMarker("Called them, they want a demo ");
        await writer.GetByLabel("Add a comment").FillAsync(comment);
        await writer.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        // No reload: the entry arrives over the subscription.
        await Expect(watcher.Locator(".entries").GetByText(comment)).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(watcher.Locator(".entries").GetByText("Writer commented")).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(watcher, "timeline-live");
        await watcher.Context.CloseAsync();
        await writer.Context.CloseAsync();
    }

    [Fact]
    public async Task A_field_edited_in_place_shows_the_APIs_message_at_the_field_and_a_call_is_planned()
    {
        var (_, email) = await fixture.NewUserAsync("Ewa", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var title = Records.NewMarker("Office chairs ");
        var dealId = await Host.CreateDealAsync(new { title, opportunity = 300, currencyId = "PLN" });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/records/deal/{dealId}");

        await page.Locator(".field[data-field=opportunity] button.edit").ClickAsync();
        await page.Locator("[name=opportunity]").FillAsync("-5");
        await page.Locator(".inline-edit").GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator(".inline-edit .error")).ToBeVisibleAsync();
        await Expect(page.Locator("[name=opportunity]")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.Locator("[name=opportunity]").FillAsync("450");
        await page.Locator(".inline-edit").GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator(".inline-edit")).ToHaveCountAsync(0);
        var stored = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { opportunity } }", new { id = dealId })).ShouldSucceed();
        Assert.Equal(450m, stored.Data!["deal"]!["opportunity"]!.GetValue<decimal>());

        await page.GetByRole(AriaRole.Button, new() { Name = "Plan a call" }).ClickAsync();
        await page.GetByLabel("Subject").FillAsync("Ask about the delivery date");
        await page.GetByLabel("Deadline").FillAsync(DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Plan", Exact = true }).ClickAsync();
        await Expect(page.Locator(".activity-list").GetByText("Ask about the delivery date")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_contacts_phones_are_edited_in_place_one_removed_one_added_with_its_kind()
    {
        var (_, email) = await fixture.NewUserAsync("Iga", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var name = Records.NewMarker("Zofia ");
        var contactId = await Host.CreateContactAsync(new
        {
            name,
            phones = new[] { new { value = "+48 600 100 200", valueType = "WORK" }, new { value = "+48 22 000 01 02", valueType = "HOME" } },
        });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/records/contact/{contactId}");
        var phones = page.Locator(".field[data-field=phones]");
        await Expect(phones).ToContainTextAsync("+48 22 000 01 02");
        await Expect(phones).ToContainTextAsync("Home");

        await phones.GetByRole(AriaRole.Button, new() { Name = "Edit Phone" }).ClickAsync();
        await phones.GetByRole(AriaRole.Button, new() { Name = "Remove Phone 2" }).ClickAsync();
        await phones.GetByRole(AriaRole.Button, new() { Name = "Add to Phone" }).ClickAsync();
        // The API's refusal (a value over its length limit) shows at the field.
        await phones.GetByLabel("Phone 2: Value").FillAsync(new string('9', 251));
        await phones.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(phones.Locator(".error")).ToContainTextAsync("the limit is 250");
        await phones.GetByLabel("Phone 2: Value").FillAsync("+48 601 300 400");
        await phones.GetByLabel("Phone 2: Kind").SelectOptionAsync(new SelectOptionValue { Label = "Mobile" });
        await phones.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(phones.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(phones).ToContainTextAsync("+48 601 300 400");
        await Expect(phones).Not.ToContainTextAsync("+48 22 000 01 02");

        var stored = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { phones { value valueType } } }", new { id = contactId })).ShouldSucceed();
        var saved = stored.Data!["contact"]!["phones"]!.AsArray().Select(p => $"{p!["value"]} {p["valueType"]}").ToList();
        Assert.Equal(["+48 600 100 200 WORK", "+48 601 300 400 MOBILE"], saved);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_custom_address_field_is_edited_in_place_part_by_part()
    {
        var code = $"UF_CRM_ADDR_{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}";
        var fieldName = Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);
        (await Host.MutateAsync("createCustomField", "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
            new { input = new { entityType = "COMPANY", code, type = "ADDRESS", label = "Head office" } })).Ok();
        var (_, email) = await fixture.NewUserAsync("Hela", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var companyId = await Host.CreateCompanyAsync(new { title = Records.NewMarker("Amber ") });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/records/company/{companyId}");

        var field = page.Locator($".field[data-field={fieldName}]");
        await field.GetByRole(AriaRole.Button, new() { Name = "Edit Head office" }).ClickAsync();
        await field.GetByLabel("Head office: City").FillAsync("Gdańsk");
        await field.GetByLabel("Head office: Country", new() { Exact = true }).FillAsync("Poland");
        await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(field.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(field).ToContainTextAsync("Gdańsk, Poland");

        var stored = (await Host.QueryAsync($"query($id: ID!) {{ company(id: $id) {{ {fieldName} {{ city country address1 }} }} }}", new { id = companyId })).ShouldSucceed();
        var address = stored.Data!["company"]![fieldName]!;
        Assert.Equal(("Gdańsk", "Poland"), (address["city"]!.GetValue<string>(), address["country"]!.GetValue<string>()));
        Assert.Null(address["address1"]);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_multiple_string_custom_field_is_edited_in_place_two_values_added_one_removed()
    {
        var code = $"UF_CRM_TAGS_{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}";
        var fieldName = Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);
        (await Host.MutateAsync("createCustomField", "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
            new { input = new { entityType = "CONTACT", code, type = "STRING", label = "Tags", multiple = true, settings = new { pattern = "^[a-z]+$" } } })).Ok();
        var (_, email) = await fixture.NewUserAsync("Ewa", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var contactId = await Host.CreateContactAsync(new Dictionary<string, object?> { ["name"] = Records.NewMarker("Tagged "), [fieldName] = new[] { "alpha" } });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/records/contact/{contactId}");

        var field = page.Locator($".field[data-field={fieldName}]");
        await Expect(field).ToContainTextAsync("alpha");
        await field.GetByRole(AriaRole.Button, new() { Name = "Edit Tags" }).ClickAsync();
        await field.GetByRole(AriaRole.Button, new() { Name = "Add to Tags" }).ClickAsync();
        await field.GetByLabel("Tags 2", new() { Exact = true }).FillAsync("beta");
        await field.GetByRole(AriaRole.Button, new() { Name = "Add to Tags" }).ClickAsync();
        // The API's refusal of one value shows at the field, that value's box marked.
        await field.GetByLabel("Tags 3", new() { Exact = true }).FillAsync("Gamma!");
        await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(field.Locator(".error")).ToContainTextAsync("does not match the pattern");
        await Expect(field.GetByLabel("Tags 3", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(field.GetByLabel("Tags 2", new() { Exact = true })).Not.ToHaveAttributeAsync("aria-invalid", "true");

        await field.GetByRole(AriaRole.Button, new() { Name = "Remove Tags 1" }).ClickAsync();
        // The refused value is now the second row, and still marked.
        await Expect(field.GetByLabel("Tags 2", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await field.GetByLabel("Tags 2", new() { Exact = true }).FillAsync("gamma");
        await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(field.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(field).ToContainTextAsync("gamma");
        await Expect(field).Not.ToContainTextAsync("alpha");

        var stored = (await Host.QueryAsync($"query($id: ID!) {{ contact(id: $id) {{ {fieldName} }} }}", new { id = contactId })).ShouldSucceed();
        Assert.Equal(["beta", "gamma"], stored.Data!["contact"]![fieldName]!.AsArray().Select(v => v!.GetValue<string>()));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_record_link_is_picked_by_searching_the_linked_type_and_shown_by_its_title()
    {
        var code = $"UF_CRM_PARTNER_{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}";
        var fieldName = Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);
        (await Host.MutateAsync("createCustomField", "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
            new { input = new { entityType = "DEAL", code, type = "CRM", label = "Partner" } })).Ok();
        var (_, email) = await fixture.NewUserAsync("Ula", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var partner = Records.NewMarker("Partner ");
        var partnerId = await Host.CreateContactAsync(new { name = partner });
        var dealId = await Host.CreateDealAsync(new { title = Records.NewMarker("Linked ") });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/records/deal/{dealId}");

        var field = page.Locator($".field[data-field={fieldName}]");
        await field.GetByRole(AriaRole.Button, new() { Name = "Edit Partner" }).ClickAsync();
        await field.GetByLabel("Partner: Record type").SelectOptionAsync(new SelectOptionValue { Value = "CONTACT" });
        await field.GetByRole(AriaRole.Searchbox, new() { Name = "Partner: Search" }).FillAsync(partner);
        // The search answers with this one contact, beside the empty choice.
        var record = field.GetByRole(AriaRole.Combobox, new() { Name = "Partner: Record", Exact = true });
        await Expect(record.Locator("option")).ToHaveCountAsync(2);
        await record.SelectOptionAsync(new SelectOptionValue { Label = partner });
        await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(field.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(field.GetByRole(AriaRole.Link, new() { Name = partner })).ToHaveAttributeAsync("href", $"/records/contact/{partnerId}");

        var stored = (await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ {fieldName} {{ entityType id }} }} }}", new { id = dealId })).ShouldSucceed();
        var link = stored.Data!["deal"]![fieldName]!;
        Assert.Equal(("CONTACT", partnerId), (link["entityType"]!.GetValue<string>(), link["id"]!.GetValue<string>()));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_record_links_picker_offers_only_the_types_the_field_allows_and_shows_the_APIs_refusal_at_the_field()
    {
        var code = $"UF_CRM_ACCOUNT_{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}";
        var fieldName = Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);
        var created = await Host.MutateAsync("createCustomField", "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
            new { input = new { entityType = "DEAL", code, type = "CRM", label = "Account", settings = new { recordTypes = new[] { "LEAD", "CONTACT", "COMPANY" } } } });
        var fieldId = created["customField"]!["id"]!.GetValue<string>();
        var (_, email) = await fixture.NewUserAsync("Oskar", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var leadTitle = Records.NewMarker("Old lead ");
        var leadId = await Host.CreateLeadAsync(new { title = leadTitle });
        var company = Records.NewMarker("Account ");
        var companyId = await Host.CreateCompanyAsync(new { title = company });
        var dealId = await Host.CreateDealAsync(new Dictionary<string, object?> { ["title"] = Records.NewMarker("Accounted "), [fieldName] = new { entityType = "LEAD", id = leadId } });
        // The admin narrows the field afterwards: the deal's link to a lead stays until it is written again.
        (await Host.MutateAsync("updateCustomField", "mutation($id: ID!, $input: UpdateCustomFieldInput!) { updateCustomField(id: $id, input: $input) { customField { id } errors { code message } } }",
            new { id = fieldId, input = new { settings = new { recordTypes = new[] { "CONTACT", "COMPANY" } } } })).Ok();
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/records/deal/{dealId}");

        var field = page.Locator($".field[data-field={fieldName}]");
        await Expect(field.GetByRole(AriaRole.Link, new() { Name = leadTitle })).ToBeVisibleAsync();
        await field.GetByRole(AriaRole.Button, new() { Name = "Edit Account" }).ClickAsync();
        var recordType = field.GetByLabel("Account: Record type");
        // The stored lead's type stays shown as it is; the others offered are the field's, in its order.
        await Expect(recordType).ToHaveValueAsync("LEAD");
        Assert.Equal(["LEAD", "CONTACT", "COMPANY"], await recordType.Locator("option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)"));
        await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(field.Locator(".error")).ToContainTextAsync("links only to contact, company records, not to a lead");

        await recordType.SelectOptionAsync(new SelectOptionValue { Value = "COMPANY" });
        Assert.Equal(["CONTACT", "COMPANY"], await recordType.Locator("option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)"));
        await field.GetByRole(AriaRole.Searchbox, new() { Name = "Account: Search" }).FillAsync(company);
        var record = field.GetByRole(AriaRole.Combobox, new() { Name = "Account: Record", Exact = true });
        await Expect(record.Locator("option")).ToHaveCountAsync(2);
        await record.SelectOptionAsync(new SelectOptionValue { Label = company });
        await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(field.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(field.GetByRole(AriaRole.Link, new() { Name = company })).ToHaveAttributeAsync("href", $"/records/company/{companyId}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_assignee_picker_finds_a_user_by_what_is_typed()
    {
        var (_, email) = await fixture.NewUserAsync("Ola", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var lastName = Records.NewMarker("Pickme");
        var wanted = await Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("wanted"), name = "Teresa", lastName });
        var dealId = await Host.CreateDealAsync(new { title = Records.NewMarker("Desks ") });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/records/deal/{dealId}");

        var field = page.Locator(".field[data-field=assignedById]");
        await field.GetByRole(AriaRole.Button, new() { Name = "Edit Responsible" }).ClickAsync();
        await field.GetByRole(AriaRole.Searchbox, new() { Name = "Responsible: Search" }).FillAsync(lastName.ToLowerInvariant());
        // The search answers with this one user: offered beside the empty choice and the deal's current assignee (the administrator).
        var select = field.GetByRole(AriaRole.Combobox, new() { Name = "Responsible" });
        await Expect(select.Locator("option")).ToHaveCountAsync(3);
        await Expect(select.Locator("option").Nth(1)).ToHaveAttributeAsync("value", "1");
        await select.SelectOptionAsync(new SelectOptionValue { Label = $"Teresa {lastName}" });
        await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(field.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(field).ToContainTextAsync($"Teresa {lastName}");

        var stored = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { assignedById } }", new { id = dealId })).ShouldSucceed();
        Assert.Equal(wanted, stored.Data!["deal"]!["assignedById"]!.GetValue<string>());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task My_day_shows_planned_activities_overdue_first()
    {
        var (userId, email) = await fixture.NewUserAsync("Kasia", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var dealId = await Host.CreateDealAsync(new { title = Records.NewMarker("Boiler "), assignedById = userId });
        foreach (var (subject, days) in new[] { ("Send the offer", 2), ("Call back the client", -1) })
        {
            var payload = await Host.MutateAsync("createActivity",
                "mutation($input: CreateActivityInput!) { createActivity(input: $input) { errors { code message path } } }",
                new { input = new { typeId = "CALL", subject, responsibleId = userId, deadline = DateTimeOffset.UtcNow.AddDays(days), bindings = new[] { new { entityType = "DEAL", id = dealId } } } });
            payload.Ok();
        }

        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);

        var items = page.Locator(".agenda-item");
        await Expect(items).ToHaveCountAsync(2);
        await Expect(items.Nth(0)).ToContainTextAsync("Call back the client");
        await Expect(items.Nth(0)).ToContainTextAsync("Overdue");
        await Expect(items.Nth(1)).ToContainTextAsync("Send the offer");
        await ConsoleFixture.ScreenshotAsync(page, "my-day");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_user_who_may_read_only_their_own_deals_sees_only_those_and_no_admin_menu()
    {
        var (userId, email) = await fixture.NewUserAsync("Tomek", [new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        var mine = Records.NewMarker("Mine ");
        var theirs = Records.NewMarker("Theirs ");
        await Host.CreateDealAsync(new { title = mine, assignedById = userId });
        await Host.CreateDealAsync(new { title = theirs });
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);

        await Expect(Menu(page).GetByRole(AriaRole.Link, new() { Name = "Deals" })).ToBeVisibleAsync();
        await Expect(Menu(page).GetByRole(AriaRole.Link, new() { Name = "Leads" })).ToHaveCountAsync(0);
        await Expect(Menu(page).GetByRole(AriaRole.Heading, new() { Name = "Settings" })).ToHaveCountAsync(0);
        await Menu(page).GetByRole(AriaRole.Link, new() { Name = "Deals" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = mine })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = theirs })).ToHaveCountAsync(0);
        // Nothing to do that the API would refuse: no new record, no row actions.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Checkbox, new() { Name = $"Select {mine}" }).CheckAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToHaveCountAsync(0);
        await Expect(page.GetByLabel("Change stage…")).ToHaveCountAsync(0);
        await page.GotoAsync("/admin/custom-fields");
        await Expect(page.GetByText("There is no such page.")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    private static ILocator Menu(IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" });
}
