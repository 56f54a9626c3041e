using System.Text.RegularExpressions;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>A console host whose jobs wait (no host runs them): each stays QUEUED until it is cancelled.</summary>
public sealed class QueuedJobsConsoleFixture : ConsoleFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" };
}

/// <summary>A job cancelled from its progress in a dialog and from My jobs, in a real browser against the real host.</summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed partial class JobCancelTests(QueuedJobsConsoleFixture fixture) : IClassFixture<QueuedJobsConsoleFixture>
{
    [Fact]
    public async Task A_waiting_job_is_cancelled_from_its_progress_and_another_from_my_jobs()
    {
        var (_, email) = await fixture.NewUserAsync("Celina", [
            .. ConsoleFixture.Everything("DEAL"), new { entityType = "DEAL", action = "EXPORT", level = "ALL" },
        ]);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        await page.GotoAsync("/records/deal");
        // Exports, but may not import deals: no import offered.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true })).ToHaveCountAsync(0);

        // From the export's progress.
        await page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start the export" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToContainTextAsync("Waiting");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel the job" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToContainTextAsync("Cancelled");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel the job" })).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        // A second export left waiting, cancelled from My jobs.
        await page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start the export" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToContainTextAsync("Waiting");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "My jobs" }).ClickAsync();
        var rows = page.Locator("table tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        var cancel = page.GetByRole(AriaRole.Button, new() { Name = "Cancel the job #" });
        var id = JobNumber().Match(await cancel.GetAttributeAsync("aria-label") ?? "").Groups[1].Value;
        await cancel.ClickAsync();
        await Expect(rows.Filter(new() { HasText = "Cancelled" })).ToHaveCountAsync(2);
        await Expect(cancel).ToHaveCountAsync(0);

        var job = (await fixture.Host.QueryAsync("query($id: ID!) { job(id: $id) { state cancelRequested } }", new { id })).ShouldSucceed().Data!["job"]!;
        Assert.Equal(("CANCELLED", true), (job["state"]!.GetValue<string>(), job["cancelRequested"]!.GetValue<bool>()));
        await page.Context.CloseAsync();
    }

    [GeneratedRegex(@"#(\d+)$")]
    private static partial Regex JobNumber();
}
