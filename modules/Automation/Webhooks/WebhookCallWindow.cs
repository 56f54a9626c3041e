using Crm.Modules.Automation.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// The calls one incoming webhook target (a rule's webhook, a process instance's webhook waits) was let
/// through in one slice of <see cref="WebhookCallWindows.Slice"/>, counted in the database so that every
/// host counts the same calls: n hosts let no more through than one.
/// </summary>
public sealed class WebhookCallWindow
{
    /// <summary>The target: <c>rule:ID</c> or <c>instance:ID</c>.</summary>
    public string Target { get; set; } = "";

    /// <summary>The start of the slice its <see cref="Calls"/> were let through in (UTC).</summary>
    public DateTime WindowStart { get; set; }

    public int Calls { get; set; }
}

/// <summary>
/// A sliding window over a target's calls: a call is let through when the calls let through in its own
/// slice and the slices of the minute before it, this call included, are at most the limit. A slice
/// before the call's own is counted whole, so the count covers at least the 60 seconds before the call
/// (and at most 60 plus a slice): no 60 seconds, however placed, hold more than the limit's calls, across
/// a minute's boundary too (a fixed clock minute let twice the limit through across one). One atomic
/// statement per call (an upsert of the call's slice, conditional on the sum), on both engines; calls
/// refused are not counted, so a sender that keeps calling too fast gets through again once its calls
/// of the minute before have slid out.
/// </summary>
public static class WebhookCallWindows
{
    public const int MaxTargetLength = 40;

    /// <summary>The slice calls are counted in: the window is 60 seconds to 60 seconds and a slice long.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromSeconds(5);

    /// <summary>Slices older than this are deleted by the recovery sweep (only the last minute's count).</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(2);

    /// <summary>The start of the slice <paramref name="now"/> falls in.</summary>
    public static DateTime SliceOf(DateTimeOffset now) => new(now.UtcTicks - now.UtcTicks % Slice.Ticks, DateTimeKind.Utc);

    /// <summary>
    /// Lets a call of <paramref name="target"/> at <paramref name="now"/> through if its window holds fewer
    /// than <paramref name="limit"/> calls (counting it); false, counting nothing, when it is full.
    /// </summary>
    public static async Task<bool> TryCountAsync(AutomationDbContext db, string target, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var model = db.Model.FindEntityType(typeof(WebhookCallWindow))!;
        var table = model.GetSchema() is { } schema ? $"\"{schema}\".\"{model.GetTableName()}\"" : $"\"{model.GetTableName()}\"";
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(model.GetTableName()!, model.GetSchema());
        var targetColumn = model.FindProperty(nameof(WebhookCallWindow.Target))!.GetColumnName(store);
        var sliceColumn = model.FindProperty(nameof(WebhookCallWindow.WindowStart))!.GetColumnName(store);
        var callsColumn = model.FindProperty(nameof(WebhookCallWindow.Calls))!.GetColumnName(store);
        var slice = SliceOf(now);
        // The slices before this one within the minute before it (a lagging host's slice counts in its own).
        var before = $"(SELECT COALESCE(SUM(p.\"{callsColumn}\"), 0) FROM {table} AS p WHERE p.\"{targetColumn}\" = {{0}} AND p.\"{sliceColumn}\" >= {{2}} AND p.\"{sliceColumn}\" < {{1}})";
#pragma warning disable EF1002, EF1003 // names from the EF model, the values parameters
        var counted = await db.Database.SqlQueryRaw<int>(
            $"INSERT INTO {table} AS w (\"{targetColumn}\", \"{sliceColumn}\", \"{callsColumn}\") SELECT {{0}}, {{1}}, 1 WHERE {before} < {{3}} "
            + $"ON CONFLICT (\"{targetColumn}\", \"{sliceColumn}\") DO UPDATE SET \"{callsColumn}\" = w.\"{callsColumn}\" + 1 WHERE w.\"{callsColumn}\" + {before} < {{3}} "
            + $"RETURNING 1 AS \"Value\"",
            target, slice, slice - TimeSpan.FromMinutes(1), limit).ToListAsync(cancellationToken);
#pragma warning restore EF1002, EF1003
        return counted.Count == 1;
    }

    /// <summary>Deletes the slices older than <see cref="KeptFor"/>; how many.</summary>
    public static Task<int> ForgetOldAsync(AutomationDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = SliceOf(now) - KeptFor;
        return db.WebhookCallWindows.Where(w => w.WindowStart < before).ExecuteDeleteAsync(cancellationToken);
    }
}
