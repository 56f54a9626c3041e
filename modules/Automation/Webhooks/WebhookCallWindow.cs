using Crm.Modules.Automation.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// The calls one incoming webhook target (a rule's webhook, a process instance's webhook waits) took in
/// its current minute, counted in the database so that every host counts the same calls: n hosts let no
/// more through than one. A fixed window of one clock minute per target.
/// </summary>
public sealed class WebhookCallWindow
{
    /// <summary>The target: <c>rule:ID</c> or <c>instance:ID</c>.</summary>
    public string Target { get; set; } = "";

    /// <summary>The minute its <see cref="Calls"/> were counted in (its start, UTC).</summary>
    public DateTime WindowStart { get; set; }

    public int Calls { get; set; }
}

/// <summary>Counts a call in its target's window: one atomic upsert that returns the window's count, this call included (both engines).</summary>
public static class WebhookCallWindows
{
    public const int MaxTargetLength = 40;

    /// <summary>Windows older than this are deleted by the recovery sweep (a target called once a day keeps no row between its calls).</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(1);

    /// <summary>The start of the minute <paramref name="now"/> falls in.</summary>
    public static DateTime WindowOf(DateTimeOffset now) => new(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);

    /// <summary>Counts a call of <paramref name="target"/> in the window <paramref name="window"/>; the calls of that window so far, this one included.</summary>
    public static async Task<int> CountAsync(AutomationDbContext db, string target, DateTime window, CancellationToken cancellationToken)
    {
        var model = db.Model.FindEntityType(typeof(WebhookCallWindow))!;
        var table = model.GetSchema() is { } schema ? $"\"{schema}\".\"{model.GetTableName()}\"" : $"\"{model.GetTableName()}\"";
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(model.GetTableName()!, model.GetSchema());
        var targetColumn = model.FindProperty(nameof(WebhookCallWindow.Target))!.GetColumnName(store);
        var windowColumn = model.FindProperty(nameof(WebhookCallWindow.WindowStart))!.GetColumnName(store);
        var callsColumn = model.FindProperty(nameof(WebhookCallWindow.Calls))!.GetColumnName(store);
        // A later window starts the count again; an earlier one (a host whose clock lags) counts in the current one.
#pragma warning disable EF1002, EF1003 // names from the EF model, the values parameters
        var counted = await db.Database.SqlQueryRaw<int>(
            $"INSERT INTO {table} AS w (\"{targetColumn}\", \"{windowColumn}\", \"{callsColumn}\") VALUES ({{0}}, {{1}}, 1) "
            + $"ON CONFLICT (\"{targetColumn}\") DO UPDATE SET "
            + $"\"{callsColumn}\" = CASE WHEN excluded.\"{windowColumn}\" > w.\"{windowColumn}\" THEN 1 ELSE w.\"{callsColumn}\" + 1 END, "
            + $"\"{windowColumn}\" = CASE WHEN excluded.\"{windowColumn}\" > w.\"{windowColumn}\" THEN excluded.\"{windowColumn}\" ELSE w.\"{windowColumn}\" END "
            + $"RETURNING \"{callsColumn}\" AS \"Value\"",
            target, window).ToListAsync(cancellationToken);
#pragma warning restore EF1002, EF1003
        return counted[0];
    }

    /// <summary>Deletes the windows older than <see cref="KeptFor"/>; how many.</summary>
    public static Task<int> ForgetOldAsync(AutomationDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = WindowOf(now) - KeptFor;
        return db.WebhookCallWindows.Where(w => w.WindowStart < before).ExecuteDeleteAsync(cancellationToken);
    }
}
