using Crm.Host.Jobs;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;
using Crm.PluginSdk.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Import;

/// <summary>An import whose host stopped mid-way is resumed by another host and imports every row exactly once.</summary>
public abstract partial class ImportTests
{
    [Fact]
    public async Task An_import_whose_host_stopped_mid_way_is_resumed_and_imports_every_row_once()
    {
        var marker = Records.NewMarker("resume");
        var csv = "Name,Last name\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"R{i:00},{marker}\n"));
        var fileId = await Host.UploadAsync(ImportFiles.Utf8(csv));
        var mapping = new[] { new { column = "Name", field = "name" }, new { column = "Last name", field = "lastName" } };

        // The first host counts the rows (save 1), writes two batches of three, and stops as it saves its progress after the second (save 3).
        var stopper = new StopBeforeSave(saves: 3);
        var first = new CrmHost(Fixture.Engine, Host.ConnectionString, ImportHost.SettingsFor(Fixture.FilesPath), services: s => s.AddSingleton<IJobSaveObserver>(stopper));
        string job;
        await using (first)
        {
            _ = first.Server;
            job = (await first.StartImportAsync("CONTACT", fileId, new { mapping })).Ok()["job"]!["id"]!.GetValue<string>();
            var running = first.RunJobsAsync();
            await stopper.Stopped.Task.WaitAsync(TimeSpan.FromMinutes(1));
            await first.DisposeAsync();
            await running.WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(6, (await Host.ContactsAsync(marker)).Count);
        // As if it had died: its lease ran out.
        await Host.QueryRowsAsync($"UPDATE {Host.Table("platform", "jobs")} SET lease_until = @p0 WHERE id = @p1", new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            long.Parse(job, System.Globalization.CultureInfo.InvariantCulture));
        await Host.RunJobsAsync();

        var resumed = (await Host.JobWithCountsAsync(job))!;
        Assert.Equal(("SUCCEEDED", 2, 10L), (resumed["state"]!.GetValue<string>(), resumed["attempts"]!.GetValue<int>(), resumed.Count("imported")));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"R{i:00}"), (await Host.ContactsAsync(marker)).Select(c => c!["name"]!.GetValue<string>()));
    }

    private sealed class StopBeforeSave(int saves) : IJobSaveObserver
    {
        private int _seen;

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task SavingAsync(long jobId, JobProgress progress, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _seen) == saves)
            {
                Stopped.SetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }
}
