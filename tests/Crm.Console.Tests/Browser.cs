using Crm.Host.Tests.Permissions;
using Microsoft.Playwright;

namespace Crm.Console.Tests;

/// <summary>What a person does in the console, step by step, as the tests say it.</summary>
public static class Browser
{
    public static async Task SignInAsync(this IPage page, string email, string password = PermissionHelpers.Password)
    {
        await page.GotoAsync("/");
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The shell's content area, whatever the language and width (on a phone the menu hides behind a button).
        await Assertions.Expect(page.Locator("main#content")).ToBeVisibleAsync();
    }
}
