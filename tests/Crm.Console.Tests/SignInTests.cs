using Crm.Host.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>Signing in and out, the shell and its menu, at a desktop width and at a phone's.</summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed class SignInTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_user_signs_in_sees_the_shell_and_signs_out()
    {
        var (_, email) = await fixture.NewUserAsync("Anna", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var page = await fixture.NewPageAsync();

        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "sign-in");
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();

        await page.SignInAsync(email);
        var menu = page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" });
        await Expect(menu.GetByRole(AriaRole.Link, new() { Name = "My day" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My day" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Signed in as Anna")).ToBeVisibleAsync();

        // A reload keeps the session; a client route opened directly is served the console.
        await page.GotoAsync("/no/such/route");
        await Expect(page.GetByText("There is no such page.")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_language_switched_is_saved_to_the_user_and_a_fresh_browser_opens_in_it()
    {
        var (id, email) = await fixture.NewUserAsync("Zofia", ConsoleFixture.Everything(ConsoleFixture.SalesTypes));
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My day" })).ToBeVisibleAsync();

        await page.GetByLabel("Language").SelectOptionAsync("pl");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Mój dzień" })).ToBeVisibleAsync();
        var saved = "";
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); saved != "pl" && wait.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(100))
        {
            saved = (await Host.QueryAsync("query($id: ID!) { user(id: $id) { language } }", new { id })).ShouldSucceed().Data!["user"]!["language"]!.GetValue<string>();
        }

        Assert.Equal("pl", saved);
        await page.Context.CloseAsync();

        // Another browser, nothing kept in it: the user's own language.
        var fresh = await fixture.NewPageAsync();
        await fresh.SignInAsync(email);
        await Expect(fresh.GetByRole(AriaRole.Heading, new() { Name = "Mój dzień" })).ToBeVisibleAsync();
        await fresh.Context.CloseAsync();
    }

    [Fact]
    public async Task At_a_phone_width_the_menu_opens_behind_a_button_and_the_language_switches()
    {
        var (_, email) = await fixture.NewUserAsync("Piotr", ConsoleFixture.Everything(ConsoleFixture.SalesTypes), language: "pl");
        var page = await fixture.NewPageAsync(width: 390, height: 844);

        await page.SignInAsync(email);

        // The user's own language is Polish.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Mój dzień" })).ToBeVisibleAsync();
        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Menu" });
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await toggle.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Menu główne" }).GetByRole(AriaRole.Link, new() { Name = "Mój dzień" })).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "phone-menu");

        await page.GetByLabel("Język").SelectOptionAsync("en");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Close menu" })).ToBeVisibleAsync();

        // A list at a phone's width: the menu closes on the way, each row a card naming its fields.
        await Host.CreateDealAsync(new { title = Records.NewMarker("Phone deal "), opportunity = 99, currencyId = "PLN" });
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" }).GetByRole(AriaRole.Link, new() { Name = "Deals" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Deals", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Menu" })).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(page.Locator("table tbody tr").First).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at a phone's width");
        await ConsoleFixture.ScreenshotAsync(page, "phone-list");
        await page.Context.CloseAsync();
    }
}
