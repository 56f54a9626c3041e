using Crm.Modules.Automation.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Waits;

/// <summary>
/// At every start, schedules the work of every run still waiting again (the same key replaces what
/// is there, so this is idempotent): work lost between a wait's commit and its scheduling, or with a
/// scheduler's tables restored from elsewhere, is found again. Past-due waits fire at once. Run by
/// <see cref="AutomationRecovery"/> after the start, outside the start-up tasks'
/// transaction: the scheduler writes through connections of its own, which on SQLite would wait for it.
/// </summary>
public static class WaitRecovery
{
    private const int PageSize = 1_000;

    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var waits = services.GetRequiredService<RunWaits>();
        // In pages by id: however many runs wait, a start holds one page of them.
        var after = 0L;
        while (true)
        {
            var page = await db.Waits.AsNoTracking().Where(w => w.State == WaitState.Waiting && w.Id > after).OrderBy(w => w.Id).Take(PageSize)
                .Select(w => new { w.Id, w.DueAt }).ToListAsync(cancellationToken);
            foreach (var wait in page)
            {
                await waits.ScheduleAsync(wait.Id, new DateTimeOffset(DateTime.SpecifyKind(wait.DueAt, DateTimeKind.Utc)), cancellationToken);
            }

            if (page.Count < PageSize)
            {
                return;
            }

            after = page[^1].Id;
        }
    }
}
