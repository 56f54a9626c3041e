using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// More of the lists' tools in a real browser against the real host: a view shared with a user
/// beyond the first 200 (found by the API's search). A host of its own: its 200 and more users
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

    /// <summary>An integration user (no password to hash) of the given name.</summary>
    private Task<string> NamedUserAsync(string name) =>
        Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("crowd"), name, kind = "INTEGRATION" });
}
