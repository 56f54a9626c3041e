using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// Custom MONEY and ENUMERATION fields (single and multiple), added at run time: their values are
/// objects in the schema (Money, CustomFieldItem), so the console selects them with their parts.
/// Shown on the record page and in the list, edited in place, and filtered, by an admin; money given
/// in the new record dialog, set in bulk, given as an import's default; money and items taken in a
/// merge; a record's own currency (CURRENCY in the metadata) picked like a money value's; a link
/// field allowing every type. Each test makes fields of its own on companies (this class's host has
/// no other tests of companies' fields).
/// </summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed class MoneyAndEnumerationTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private CrmHost Host => fixture.Host;

    private sealed record Fields(string Budget, string Instalments, string Tier, string Channels, JsonNode TierField, JsonNode ChannelsField)
    {
        public string TierItem(string value) => ItemId(TierField, value);

        public string ChannelItem(string value) => ItemId(ChannelsField, value);

        private static string ItemId(JsonNode field, string value) =>
            field["items"]!.AsArray().Single(i => i!["value"]!.GetValue<string>() == value)!["id"]!.GetValue<string>();
    }

    /// <summary>Four fields on companies, labelled with the marker so that two tests' fields differ.</summary>
    private async Task<Fields> DefineAsync(string marker)
    {
        var budget = await Host.CreateFieldAsync(new { entityType = "COMPANY", code = CustomFieldHelpers.NewCode("BUDGET"), type = "MONEY", label = $"Budget {marker}", settings = new { min = 0 } });
        var instalments = await Host.CreateFieldAsync(new { entityType = "COMPANY", code = CustomFieldHelpers.NewCode("INST"), type = "MONEY", label = $"Instalments {marker}", multiple = true });
        var tier = await Host.CreateFieldAsync(new
        {
            entityType = "COMPANY", code = CustomFieldHelpers.NewCode("TIER"), type = "ENUMERATION", label = $"Tier {marker}",
            items = new[] { new { value = "Gold" }, new { value = "Silver" }, new { value = "Bronze" } },
        });
        var channels = await Host.CreateFieldAsync(new
        {
            entityType = "COMPANY", code = CustomFieldHelpers.NewCode("CHAN"), type = "ENUMERATION", label = $"Channels {marker}", multiple = true,
            items = new[] { new { value = "Web" }, new { value = "Phone" }, new { value = "Fair" } },
        });
        string Name(JsonNode field) => field["fieldName"]!.GetValue<string>();
        return new Fields(Name(budget), Name(instalments), Name(tier), Name(channels), tier, channels);
    }

    private async Task<string> CompanyAsync(Fields f, string title, decimal budget, string currency, decimal[] instalments, string tier, params string[] channels) =>
        await CompanyAsync(f, title, null, budget, currency, instalments, tier, channels);

    private async Task<string> CompanyAsync(Fields f, string title, string? email, decimal budget, string currency, decimal[] instalments, string tier, params string[] channels)
    {
        var input = new Dictionary<string, object?>
        {
            ["title"] = title,
            [f.Budget] = new { amount = budget, currency },
            [f.Instalments] = instalments.Select(amount => new { amount, currency = "PLN" }).ToArray(),
            [f.Tier] = f.TierItem(tier),
            [f.Channels] = channels.Select(f.ChannelItem).ToArray(),
        };
        if (email is not null)
        {
            input["emails"] = new[] { new { value = email, valueType = "WORK" } };
        }

        return await Host.CreateCompanyAsync(input);
    }

    private async Task<IPage> AdminPageAsync(string name)
    {
        var (_, email) = await fixture.NewUserAsync(name, ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        return page;
    }

    [Fact]
    public async Task Money_and_enumeration_values_are_shown_and_edited_in_place_on_the_record_page()
    {
        var marker = Records.NewMarker("R");
        var f = await DefineAsync(marker);
        var companyId = await CompanyAsync(f, Records.NewMarker("Amber "), 1234.5m, "EUR", [100m, 200m], "Gold", "Web", "Fair");
        var page = await AdminPageAsync("Regina");
        await page.GotoAsync($"/records/company/{companyId}");
        // The record, not the API's refusal of its query (a field selected without its parts).
        await Expect(page.Locator(".record-page, .problem").First).ToBeVisibleAsync();
        Assert.Empty(await page.Locator(".problem").AllInnerTextsAsync());

        // Shown: an amount in its currency (the user's locale, en-GB), an item by its label.
        var budget = page.Locator($".field[data-field={f.Budget}]");
        var instalments = page.Locator($".field[data-field={f.Instalments}]");
        var tier = page.Locator($".field[data-field={f.Tier}]");
        var channels = page.Locator($".field[data-field={f.Channels}]");
        await Expect(budget.Locator("dd")).ToHaveTextAsync("€1,234.50✎");
        await Expect(instalments).ToContainTextAsync("PLN 100.00");
        await Expect(instalments).ToContainTextAsync("PLN 200.00");
        await Expect(tier.Locator("dd")).ToHaveTextAsync("Gold✎");
        await Expect(channels).ToContainTextAsync("Web");
        await Expect(channels).ToContainTextAsync("Fair");
        await Expect(channels).Not.ToContainTextAsync("Phone");

        // Money: the API's refusal (below the field's minimum) shows at the field.
        await budget.GetByRole(AriaRole.Button, new() { Name = $"Edit Budget {marker}" }).ClickAsync();
        var amount = budget.GetByLabel($"Budget {marker}: Amount");
        var currency = budget.GetByLabel($"Budget {marker}: Currency");
        await Expect(amount).ToHaveValueAsync("1234.5");
        await Expect(currency).ToHaveValueAsync("EUR");
        await amount.FillAsync("-5");
        await budget.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(budget.Locator(".error")).ToContainTextAsync("below the minimum of 0");
        await Expect(amount).ToHaveAttributeAsync("aria-invalid", "true");
        await amount.FillAsync("2500");
        // The currency is picked from the API's list (currencies), named in the user's language, the deployment's default (USD here) first.
        await Expect(currency.Locator("option").Nth(1)).ToHaveTextAsync("USD · US Dollar");
        await Expect(currency.Locator("option[value=PLN]")).ToHaveTextAsync("PLN · Polish Zloty");
        Assert.Equal((await Host.QueryAsync("{ currencies { code } }")).ShouldSucceed().Data!["currencies"]!.AsArray().Count + 1, await currency.Locator("option").CountAsync());
        await currency.SelectOptionAsync(new SelectOptionValue { Value = "USD" });
        await budget.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(budget.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(budget.Locator("dd")).ToHaveTextAsync("US$2,500.00✎");

        // Several amounts: one removed, one added.
        await instalments.GetByRole(AriaRole.Button, new() { Name = $"Edit Instalments {marker}" }).ClickAsync();
        await instalments.GetByRole(AriaRole.Button, new() { Name = $"Remove Instalments {marker} 1" }).ClickAsync();
        await instalments.GetByRole(AriaRole.Button, new() { Name = $"Add to Instalments {marker}" }).ClickAsync();
        await instalments.GetByLabel($"Instalments {marker} 2: Amount").FillAsync("350.25");
        // A new amount starts in the default currency.
        await Expect(instalments.GetByLabel($"Instalments {marker} 2: Currency")).ToHaveValueAsync("USD");
        await instalments.GetByLabel($"Instalments {marker} 2: Currency").SelectOptionAsync(new SelectOptionValue { Value = "PLN" });
        await instalments.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(instalments.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(instalments).ToContainTextAsync("PLN 350.25");
        await Expect(instalments).Not.ToContainTextAsync("PLN 100.00");

        // One item picked from the field's items.
        await tier.GetByRole(AriaRole.Button, new() { Name = $"Edit Tier {marker}" }).ClickAsync();
        var choice = tier.GetByRole(AriaRole.Combobox, new() { Name = $"Tier {marker}" });
        await Expect(choice).ToHaveValueAsync(f.TierItem("Gold"));
        await choice.SelectOptionAsync(new SelectOptionValue { Label = "Silver" });
        await tier.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(tier.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(tier.Locator("dd")).ToHaveTextAsync("Silver✎");

        // Several items: ticked and unticked.
        await channels.GetByRole(AriaRole.Button, new() { Name = $"Edit Channels {marker}" }).ClickAsync();
        await Expect(channels.GetByRole(AriaRole.Checkbox, new() { Name = "Web" })).ToBeCheckedAsync();
        await channels.GetByRole(AriaRole.Checkbox, new() { Name = "Web" }).UncheckAsync();
        await channels.GetByRole(AriaRole.Checkbox, new() { Name = "Phone" }).CheckAsync();
        await channels.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(channels.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(channels).ToContainTextAsync("Phone");
        await Expect(channels).Not.ToContainTextAsync("Web");
        await ConsoleFixture.ScreenshotAsync(page, "custom-money-enumeration");

        var stored = (await Host.QueryAsync(
            $"query($id: ID!) {{ company(id: $id) {{ {f.Budget} {{ amount currency }} {f.Instalments} {{ amount currency }} {f.Tier} {{ value }} {f.Channels} {{ value }} }} }}",
            new { id = companyId })).ShouldSucceed().Data!["company"]!;
        Assert.Equal((2500m, "USD"), (stored[f.Budget]!["amount"]!.GetValue<decimal>(), stored[f.Budget]!["currency"]!.GetValue<string>()));
        Assert.Equal(["200 PLN", "350.25 PLN"], stored[f.Instalments]!.AsArray().Select(m => $"{m!["amount"]!.GetValue<decimal>():0.##} {m["currency"]}"));
        Assert.Equal("Silver", stored[f.Tier]!["value"]!.GetValue<string>());
        Assert.Equal(["Phone", "Fair"], stored[f.Channels]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Money_and_enumeration_columns_are_listed_chosen_and_filtered()
    {
        var marker = Records.NewMarker("L");
        var f = await DefineAsync(marker);
        var gold = await CompanyAsync(f, $"{marker} gold", 1234.5m, "EUR", [100m, 200m], "Gold", "Web", "Fair");
        var silver = await CompanyAsync(f, $"{marker} silver", 80m, "PLN", [50m], "Silver", "Phone");
        // The companies' own currency field (type CURRENCY), filtered by part of its code below.
        foreach (var (id, currency) in new[] { (gold, "EUR"), (silver, "PLN") })
        {
            Assert.Empty((await Host.QueryAsync("mutation($id: ID!, $c: String) { updateCompany(id: $id, input: { currencyId: $c }) { errors { code message } } }", new { id, c = currency }))
                .ShouldSucceed().Data!["updateCompany"]!["errors"]!.AsArray());
        }

        var page = await AdminPageAsync("Lena");
        await page.GotoAsync("/records/company");
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).FillAsync(marker);
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).PressAsync("Enter");
        var rows = page.Locator("table tbody tr");
        await Expect(page.Locator("table tbody tr, .problem").First).ToBeVisibleAsync();
        Assert.Empty(await page.Locator(".problem").AllInnerTextsAsync());
        await Expect(rows).ToHaveCountAsync(2);

        // The new fields are listed (shown in lists unless told otherwise) and in the column chooser.
        var goldRow = page.Locator("table tbody tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = $"{marker} gold" }) });
        await Expect(goldRow.Locator($"td[data-label='Budget {marker}']")).ToHaveTextAsync("€1,234.50");
        await Expect(goldRow.Locator($"td[data-label='Instalments {marker}']")).ToContainTextAsync("PLN 200.00");
        await Expect(goldRow.Locator($"td[data-label='Tier {marker}']")).ToHaveTextAsync("Gold");
        await Expect(goldRow.Locator($"td[data-label='Channels {marker}']")).ToContainTextAsync("Fair");
        await page.GetByRole(AriaRole.Button, new() { Name = "Columns" }).ClickAsync();
        var chooser = page.GetByRole(AriaRole.Group, new() { Name = "Columns" });
        await chooser.GetByRole(AriaRole.Checkbox, new() { Name = $"Tier {marker}" }).UncheckAsync();
        await Expect(page.Locator($"th:has-text('Tier {marker}')")).ToHaveCountAsync(0);
        await chooser.GetByRole(AriaRole.Checkbox, new() { Name = $"Tier {marker}" }).CheckAsync();
        await Expect(goldRow.Locator($"td[data-label='Tier {marker}']")).ToHaveTextAsync("Gold");
        await page.GetByRole(AriaRole.Button, new() { Name = "Columns" }).ClickAsync();
        await ConsoleFixture.ScreenshotAsync(page, "custom-money-enumeration-list");

        // Filtered by each: one condition at a time, each leaving the gold company alone.
        var filters = page.GetByRole(AriaRole.Form, new() { Name = "Filters" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Filters" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a condition" }).ClickAsync();
        async Task Only(string field, string op, Func<ILocator, Task> value)
        {
            await filters.GetByLabel("Field").SelectOptionAsync(new SelectOptionValue { Value = field });
            await filters.GetByLabel("Operator").SelectOptionAsync(new SelectOptionValue { Value = op });
            await value(filters.GetByLabel("Value"));
            await filters.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await Expect(rows).ToHaveCountAsync(1);
            await Expect(rows.First.GetByRole(AriaRole.Link, new() { Name = $"{marker} gold" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        }

        await Only(f.Budget, "gt", v => v.FillAsync("1000"));
        await Only(f.Tier, "eq", v => v.SelectOptionAsync(new SelectOptionValue { Label = "Gold" }));
        await Only(f.Channels, "eq", v => v.SelectOptionAsync(new SelectOptionValue { Label = "Fair" }));
        await Only(f.Channels, "in", v => v.SelectOptionAsync([new SelectOptionValue { Label = "Web" }, new SelectOptionValue { Label = "Fair" }]));
        await Only(f.Tier, "neq", v => v.SelectOptionAsync(new SelectOptionValue { Label = "Silver" }));
        // A currency field by part of its code, typed rather than picked.
        await Only("currencyId", "contains", v => v.FillAsync("EU"));
        await Only("currencyId", "ncontains", v => v.FillAsync("PL"));
        // Several amounts: a record with any of them at 150 or more (the silver company has none).
        await Only(f.Instalments, "gte", v => v.FillAsync("150"));
        await Expect(rows.First.GetByRole(AriaRole.Link, new() { Name = $"{marker} gold" })).ToHaveAttributeAsync("href", $"/records/company/{gold}");

        // A new record takes an item picked from the field's items; a money value left without an amount gives nothing.
        await page.GetByRole(AriaRole.Button, new() { Name = "New" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[name=title]").FillAsync($"{marker} new");
        await dialog.GetByLabel($"Tier {marker}").SelectOptionAsync(new SelectOptionValue { Label = "Bronze" });
        await Expect(dialog.GetByLabel($"Budget {marker}: Currency")).ToHaveValueAsync("USD");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"{marker} new", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator($".field[data-field={f.Tier}] dd")).ToHaveTextAsync("Bronze✎");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_deals_and_a_companys_currency_is_picked_from_the_currencies_in_the_new_record_dialog_and_on_the_record_page()
    {
        var page = await AdminPageAsync("Celina");
        var currencyCount = (await Host.QueryAsync("{ currencies { code } }")).ShouldSucceed().Data!["currencies"]!.AsArray().Count;
        foreach (var (type, first, then) in new[] { ("deal", "EUR", "PLN"), ("company", "PLN", "CHF") })
        {
            var title = Records.NewMarker($"Cur {type} ");
            await page.GotoAsync($"/records/{type}");
            await page.GetByRole(AriaRole.Button, new() { Name = "New" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog);
            await dialog.Locator("[name=title]").FillAsync(title);
            // The metadata says the field holds a currency (CURRENCY): the API's list, the deployment's default (USD) first and preset.
            var picker = dialog.GetByRole(AriaRole.Combobox, new() { Name = "Currency", Exact = true });
            await Expect(picker).ToHaveValueAsync("USD");
            await Expect(picker.Locator("option").Nth(1)).ToHaveTextAsync("USD · US Dollar");
            await Expect(picker.Locator("option")).ToHaveCountAsync(currencyCount + 1);
            await picker.SelectOptionAsync(new SelectOptionValue { Value = first });
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Level = 1 })).ToBeVisibleAsync();

            var field = page.Locator(".field[data-field=currencyId]");
            await Expect(field.Locator("dd")).ToHaveTextAsync($"{first}✎");
            await field.GetByRole(AriaRole.Button, new() { Name = "Edit Currency" }).ClickAsync();
            var editor = field.GetByRole(AriaRole.Combobox, new() { Name = "Currency", Exact = true });
            await Expect(editor).ToHaveValueAsync(first);
            await Expect(editor.Locator($"option[value={then}]")).ToHaveCountAsync(1);

            // What the picker cannot offer, put into it by hand: the API's refusal shows at the field.
            await editor.EvaluateAsync("s => { const o = document.createElement('option'); o.value = 'EURO'; o.text = 'EURO'; s.add(o); }");
            await editor.SelectOptionAsync(new SelectOptionValue { Value = "EURO" });
            await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Expect(field.Locator(".error")).ToContainTextAsync("'EURO' is not a three-letter currency code");
            await Expect(editor).ToHaveAttributeAsync("aria-invalid", "true");

            await editor.SelectOptionAsync(new SelectOptionValue { Value = then });
            await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Expect(field.Locator(".inline-edit")).ToHaveCountAsync(0);
            await Expect(field.Locator("dd")).ToHaveTextAsync($"{then}✎");
            var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
            var stored = (await Host.QueryAsync($"query($id: ID!) {{ {type}(id: $id) {{ currencyId }} }}", new { id })).ShouldSucceed();
            Assert.Equal(then, stored.Data![type]!["currencyId"]!.GetValue<string>());
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Money_is_given_in_the_new_record_dialog_and_set_in_bulk_with_the_APIs_refusals()
    {
        var marker = Records.NewMarker("N");
        var f = await DefineAsync(marker);
        var page = await AdminPageAsync("Nina");
        await page.GotoAsync("/records/company");
        await page.GetByRole(AriaRole.Button, new() { Name = "New" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[name=title]").FillAsync($"{marker} new");
        // One amount: below the field's minimum, the API's refusal at the field; the dialog stays.
        var amount = dialog.GetByLabel($"Budget {marker}: Amount");
        await amount.FillAsync("-5");
        await Expect(dialog.GetByLabel($"Budget {marker}: Currency")).ToHaveValueAsync("USD");
        await dialog.GetByLabel($"Budget {marker}: Currency").SelectOptionAsync(new SelectOptionValue { Value = "EUR" });
        // Several amounts: rows added in place, each new one in the default currency.
        await dialog.GetByRole(AriaRole.Button, new() { Name = $"Add to Instalments {marker}" }).ClickAsync();
        await dialog.GetByLabel($"Instalments {marker} 1: Amount").FillAsync("10");
        await dialog.GetByRole(AriaRole.Button, new() { Name = $"Add to Instalments {marker}" }).ClickAsync();
        await dialog.GetByLabel($"Instalments {marker} 2: Amount").FillAsync("20.5");
        await dialog.GetByLabel($"Instalments {marker} 2: Currency").SelectOptionAsync(new SelectOptionValue { Value = "PLN" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(dialog.Locator(".form-field", new() { HasText = $"Budget {marker}" }).Locator(".error")).ToContainTextAsync("below the minimum of 0");
        await Expect(amount).ToHaveAttributeAsync("aria-invalid", "true");
        await amount.FillAsync("1500");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"{marker} new", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator($".field[data-field={f.Budget}] dd")).ToHaveTextAsync("€1,500.00✎");
        await Expect(page.Locator($".field[data-field={f.Instalments}]")).ToContainTextAsync("US$10.00");
        await Expect(page.Locator($".field[data-field={f.Instalments}]")).ToContainTextAsync("PLN 20.50");
        var created = page.Url[(page.Url.LastIndexOf('/') + 1)..];

        // In bulk, on two selected companies: the refusal of each, then the value set, one and several amounts.
        var one = await CompanyAsync(f, $"{marker} one", 1m, "EUR", [1m], "Gold");
        var two = await CompanyAsync(f, $"{marker} two", 2m, "EUR", [2m], "Silver");
        await page.GotoAsync("/records/company");
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).FillAsync($"{marker} ");
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).PressAsync("Enter");
        await Expect(page.Locator("table tbody tr")).ToHaveCountAsync(3);
        await page.GetByLabel($"Select {marker} one", new() { Exact = true }).CheckAsync();
        await page.GetByLabel($"Select {marker} two", new() { Exact = true }).CheckAsync();
        var bulk = page.GetByRole(AriaRole.Region, new() { Name = "Bulk actions" });
        await bulk.GetByLabel("Field to set").SelectOptionAsync(new SelectOptionValue { Value = f.Budget });
        await Expect(bulk.GetByLabel($"Budget {marker}: Currency")).ToHaveValueAsync("USD");
        await bulk.GetByLabel($"Budget {marker}: Amount").FillAsync("-1");
        await bulk.GetByRole(AriaRole.Button, new() { Name = "Set", Exact = true }).ClickAsync();
        // Refused before the job starts: the value is checked once, as the update input.
        await Expect(bulk.GetByRole(AriaRole.Alert)).ToContainTextAsync($"'{f.Budget}': -1 is below the minimum of 0.");

        await bulk.GetByLabel($"Budget {marker}: Amount").FillAsync("99");
        await bulk.GetByLabel($"Budget {marker}: Currency").SelectOptionAsync(new SelectOptionValue { Value = "PLN" });
        await bulk.GetByRole(AriaRole.Button, new() { Name = "Set", Exact = true }).ClickAsync();
        await Expect(bulk).ToContainTextAsync("2 changed, 0 unchanged, 0 refused.");
        await Expect(bulk.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);

        await bulk.GetByLabel("Field to set").SelectOptionAsync(new SelectOptionValue { Value = f.Instalments });
        await bulk.GetByRole(AriaRole.Button, new() { Name = $"Add to Instalments {marker}" }).ClickAsync();
        await bulk.GetByLabel($"Instalments {marker} 1: Amount").FillAsync("7");
        await bulk.GetByRole(AriaRole.Button, new() { Name = $"Add to Instalments {marker}" }).ClickAsync();
        await bulk.GetByLabel($"Instalments {marker} 2: Amount").FillAsync("8");
        await bulk.GetByLabel($"Instalments {marker} 2: Currency").SelectOptionAsync(new SelectOptionValue { Value = "CHF" });
        await bulk.GetByRole(AriaRole.Button, new() { Name = "Set", Exact = true }).ClickAsync();
        await Expect(bulk).ToContainTextAsync("2 changed, 0 unchanged, 0 refused.");
        await Expect(page.Locator("table tbody tr", new() { HasText = $"{marker} one" }).Locator($"td[data-label='Instalments {marker}']")).ToContainTextAsync("CHF");

        string Money(JsonNode? m) => $"{m!["amount"]!.GetValue<decimal>():0.##} {m["currency"]}";
        foreach (var (id, budget, instalments) in new[] { (created, "1500 EUR", new[] { "10 USD", "20.5 PLN" }), (one, "99 PLN", ["7 USD", "8 CHF"]), (two, "99 PLN", ["7 USD", "8 CHF"]) })
        {
            var stored = (await Host.QueryAsync($"query($id: ID!) {{ company(id: $id) {{ {f.Budget} {{ amount currency }} {f.Instalments} {{ amount currency }} }} }}", new { id })).ShouldSucceed().Data!["company"]!;
            Assert.Equal(budget, Money(stored[f.Budget]));
            Assert.Equal(instalments, stored[f.Instalments]!.AsArray().Select(Money));
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Money_and_items_are_taken_from_the_record_chosen_in_a_merge_and_money_is_an_imports_default()
    {
        var marker = Records.NewMarker("M");
        var f = await DefineAsync(marker);
        var (_, email) = await fixture.NewUserAsync("Marta", [
            .. ConsoleFixture.Everything(ConsoleFixture.SalesTypes), new { entityType = "COMPANY", action = "IMPORT", level = "ALL" },
        ]);
        var address = $"{marker.ToLowerInvariant()}@example.com";
        Task<string> WithEmail(string title, decimal budget, string currency, string tier, params string[] channels) =>
            CompanyAsync(f, title, address, budget, currency, [budget], tier, channels);

        var kept = await WithEmail($"{marker} kept", 100m, "EUR", "Gold", "Web");
        var removed = await WithEmail($"{marker} removed", 200m, "PLN", "Silver", "Phone", "Fair");
        var page = await fixture.NewPageAsync();
        page.Dialog += (_, d) => d.AcceptAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/duplicates/company");
        var group = page.GetByRole(AriaRole.Region, new() { Name = $"Duplicates: {address}" });
        // Asked whole per group (each with every company field the class's other tests made, money and items several times over).
        await Expect(group.Locator("tbody tr")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        var second = group.Locator("tbody tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = $"#{removed}", Exact = true }) });
        // The values shown as everywhere (an amount in its currency, items by label), each choosable.
        await Expect(second.Locator($"td[data-label='Budget {marker}']")).ToHaveTextAsync("PLN 200.00");
        await second.GetByRole(AriaRole.Radio, new() { Name = $"Budget {marker} from" }).CheckAsync();
        await second.GetByRole(AriaRole.Radio, new() { Name = $"Tier {marker} from" }).CheckAsync();
        await second.GetByRole(AriaRole.Radio, new() { Name = $"Channels {marker} from" }).CheckAsync();
        await group.GetByRole(AriaRole.Button, new() { Name = "Preview the merge" }).ClickAsync();
        var preview = group.GetByRole(AriaRole.Region, new() { Name = "Merge preview" });
        await Expect(preview.Locator($"[data-field={f.Budget}] dd")).ToHaveTextAsync("PLN 200.00");
        await Expect(preview.Locator($"[data-field={f.Tier}] dd")).ToHaveTextAsync("Silver");
        await Expect(preview.Locator($"[data-field={f.Channels}] dd")).ToContainTextAsync("Fair");
        // Not taken: the kept record's own.
        await Expect(preview.Locator($"[data-field={f.Instalments}] dd")).ToHaveTextAsync("PLN 100.00");
        await group.GetByRole(AriaRole.Button, new() { Name = "Merge", Exact = true }).ClickAsync();
        await Expect(group).ToHaveCountAsync(0);
        var merged = (await Host.QueryAsync(
            $"query($id: ID!) {{ company(id: $id) {{ {f.Budget} {{ amount currency }} {f.Tier} {{ value }} {f.Channels} {{ value }} }} }}", new { id = kept })).ShouldSucceed().Data!["company"]!;
        Assert.Equal((200m, "PLN"), (merged[f.Budget]!["amount"]!.GetValue<decimal>(), merged[f.Budget]!["currency"]!.GetValue<string>()));
        Assert.Equal("Silver", merged[f.Tier]!["value"]!.GetValue<string>());
        Assert.Equal(["Phone", "Fair"], merged[f.Channels]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));

        // An import whose rows leave the money empty: they take the default, an amount and a currency picked.
        await page.GotoAsync("/records/company");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        var import = page.GetByRole(AriaRole.Dialog, new() { Name = "Import Companies" });
        var csv = $"Name\r\n{marker} imported one\r\n{marker} imported two\r\n";
        await import.GetByLabel("File (CSV or XLSX)").SetInputFilesAsync(new FilePayload { Name = "companies.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await import.GetByRole(AriaRole.Button, new() { Name = "Upload and read" }).ClickAsync();
        await import.GetByLabel("Field for column Name").SelectOptionAsync(new SelectOptionValue { Value = "title" });
        var defaults = import.GetByRole(AriaRole.Group, new() { Name = "Values for rows that leave a field empty" });
        await defaults.GetByRole(AriaRole.Button, new() { Name = "Add a value" }).ClickAsync();
        await defaults.GetByLabel("Field", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Value = f.Budget });
        await Expect(defaults.GetByLabel($"Budget {marker}: Currency")).ToHaveValueAsync("USD");
        // Below the field's minimum: the start is refused, the API's reason at the defaults, nothing imported.
        await defaults.GetByLabel($"Budget {marker}: Amount").FillAsync("-1");
        await import.GetByRole(AriaRole.Button, new() { Name = "Start the import" }).ClickAsync();
        await Expect(defaults.GetByRole(AriaRole.Alert)).ToContainTextAsync("below the minimum of 0");
        Assert.Empty((await Host.QueryAsync("query($s: String) { companies(search: $s, first: 10) { nodes { id } } }", new { s = $"{marker} imported" })).ShouldSucceed().Data!["companies"]!["nodes"]!.AsArray());
        await defaults.GetByLabel($"Budget {marker}: Amount").FillAsync("42.5");
        await defaults.GetByLabel($"Budget {marker}: Currency").SelectOptionAsync(new SelectOptionValue { Value = "PLN" });
        await import.GetByRole(AriaRole.Button, new() { Name = "Start the import" }).ClickAsync();
        await Expect(import.GetByRole(AriaRole.Status)).ToContainTextAsync("Done");
        await Expect(import.GetByTestId("import-counts")).ToHaveTextAsync("Imported: 2, updated: 0, skipped: 0, rejected: 0.");
        var imported = (await Host.QueryAsync($"query($s: String) {{ companies(search: $s, first: 10) {{ nodes {{ title {f.Budget} {{ amount currency }} }} }} }}", new { s = $"{marker} imported" }))
            .ShouldSucceed().Data!["companies"]!["nodes"]!.AsArray();
        Assert.Equal(2, imported.Count);
        Assert.All(imported, c => Assert.Equal((42.5m, "PLN"), (c![f.Budget]!["amount"]!.GetValue<decimal>(), c[f.Budget]!["currency"]!.GetValue<string>())));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_link_field_allowing_every_type_offers_every_type_the_user_may_read()
    {
        var marker = Records.NewMarker("K");
        var partner = await Host.CreateFieldAsync(new { entityType = "COMPANY", code = CustomFieldHelpers.NewCode("PARTNER"), type = "CRM", label = $"Partner {marker}" });
        var name = partner["fieldName"]!.GetValue<string>();
        var companyId = await Host.CreateCompanyAsync(new { title = $"{marker} company" });
        var contactId = await Host.CreateContactAsync(new { name = $"Kamila {marker}" });
        // Companies to change, contacts to read; no deals, no leads (activities are every signed-in user's, each record deciding).
        var (_, email) = await fixture.NewUserAsync("Kamila", [
            .. ConsoleFixture.Everything("COMPANY"), new { entityType = "CONTACT", action = "READ", level = "ALL" },
        ]);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync($"/records/company/{companyId}");
        var field = page.Locator($".field[data-field={name}]");
        await field.GetByRole(AriaRole.Button, new() { Name = $"Edit Partner {marker}" }).ClickAsync();
        var types = field.GetByLabel($"Partner {marker}: Record type");
        // The field allows every type (no recordTypes): the picker offers those the user may read, a new link at the first of them.
        await Expect(types.Locator("option")).ToHaveTextAsync(["Activity", "Company", "Contact"]);
        await Expect(types).ToHaveValueAsync("ACTIVITY");
        await types.SelectOptionAsync(new SelectOptionValue { Value = "CONTACT" });
        await field.GetByRole(AriaRole.Searchbox, new() { Name = $"Partner {marker}: Search" }).FillAsync(marker);
        var record = field.GetByRole(AriaRole.Combobox, new() { Name = $"Partner {marker}: Record", Exact = true });
        await Expect(record.Locator("option", new() { HasText = $"Kamila {marker}" })).ToHaveCountAsync(1);
        await record.SelectOptionAsync(new SelectOptionValue { Label = $"Kamila {marker}" });
        await field.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(field.Locator(".inline-edit")).ToHaveCountAsync(0);
        await Expect(field.GetByRole(AriaRole.Link, new() { Name = $"Kamila {marker}" })).ToHaveAttributeAsync("href", $"/records/contact/{contactId}");
        var stored = (await Host.QueryAsync($"query($id: ID!) {{ company(id: $id) {{ {name} {{ entityType id }} }} }}", new { id = companyId })).ShouldSucceed().Data!["company"]![name]!;
        Assert.Equal(("CONTACT", contactId), (stored["entityType"]!.GetValue<string>(), stored["id"]!.GetValue<string>()));
        await page.Context.CloseAsync();
    }
}
