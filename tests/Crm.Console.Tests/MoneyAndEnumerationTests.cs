using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// Custom MONEY and ENUMERATION fields (single and multiple), added at run time: their values are
/// objects in the schema (Money, CustomFieldItem), so the console selects them with their parts.
/// Shown on the record page and in the list, edited in place, and filtered, by an admin.
/// Each test makes fields of its own on companies (this class's host has no other tests of companies' fields).
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
        await Host.CreateCompanyAsync(new Dictionary<string, object?>
        {
            ["title"] = title,
            [f.Budget] = new { amount = budget, currency },
            [f.Instalments] = instalments.Select(amount => new { amount, currency = "PLN" }).ToArray(),
            [f.Tier] = f.TierItem(tier),
            [f.Channels] = channels.Select(f.ChannelItem).ToArray(),
        });

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
        await CompanyAsync(f, $"{marker} silver", 80m, "PLN", [50m], "Silver", "Phone");
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
        // Several amounts: a record with any of them at 150 or more (the silver company has none).
        await Only(f.Instalments, "gte", v => v.FillAsync("150"));
        await Expect(rows.First.GetByRole(AriaRole.Link, new() { Name = $"{marker} gold" })).ToHaveAttributeAsync("href", $"/records/company/{gold}");

        // A new record takes an item picked from the field's items; its money is set on its page, not in the dialog.
        await page.GetByRole(AriaRole.Button, new() { Name = "New" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[name=title]").FillAsync($"{marker} new");
        await dialog.GetByLabel($"Tier {marker}").SelectOptionAsync(new SelectOptionValue { Label = "Bronze" });
        await Expect(dialog.GetByLabel($"Budget {marker}")).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"{marker} new", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator($".field[data-field={f.Tier}] dd")).ToHaveTextAsync("Bronze✎");
        await page.Context.CloseAsync();
    }
}
