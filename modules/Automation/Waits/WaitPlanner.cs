using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Rules;

namespace Crm.Modules.Automation.Waits;

/// <summary>When an action of a run is due, from its timing and the record as the run read it.</summary>
public static class WaitPlanner
{
    /// <summary>When the action is due (at or before <paramref name="now"/>: at once), or why it cannot be (a date field that is empty).</summary>
    public static (DateTimeOffset? DueAt, string? Problem) Due(ActionTiming timing, JsonObject record, DateTimeOffset now, WaitOptions options)
    {
        DateTimeOffset due;
        switch (timing.Mode)
        {
            case TimingMode.Immediately:
                due = now;
                break;
            case TimingMode.AfterDelay:
                due = now + (timing.Delay ?? TimeSpan.Zero);
                break;
            case TimingMode.BeforeField or TimingMode.AfterField:
                if (DateOf(record[timing.Field!]) is not { } date)
                {
                    return (null, $"the field '{timing.Field}' holds no date to wait for");
                }

                due = timing.Mode == TimingMode.BeforeField ? date - (timing.Delay ?? TimeSpan.Zero) : date + (timing.Delay ?? TimeSpan.Zero);
                break;
            case TimingMode.AtTimeOfDay:
                var time = ConditionValidator.TimeOfDay(timing.TimeOfDay)?.ToTimeSpan() ?? TimeSpan.Zero;
                var today = new DateTimeOffset(now.UtcDateTime.Date + time, TimeSpan.Zero);
                due = today >= now ? today : today.AddDays(1);
                break;
            default:
                return (null, $"the timing {timing.Mode} is not known");
        }

        if (due < now)
        {
            due = now; // a date already past: at once
        }

        return (timing.WorkingHoursOnly ? options.NextWorkingTime(due) : due, null);
    }

    /// <summary>A record's date or date-time value (UTC; a date alone is its midnight UTC); null when empty or not a date.</summary>
    public static DateTimeOffset? DateOf(JsonNode? value) =>
        value?.GetValueKind() == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : null;

    /// <summary>The record's stage (its <c>stageId</c>, else its <c>statusId</c>) as text; null when it has none.</summary>
    public static string? StageOf(JsonObject record) =>
        (record["stageId"] ?? record["statusId"]) is { } stage && (stage.GetValueKind() == JsonValueKind.String ? stage.GetValue<string>() : stage.ToJsonString()) is { Length: <= 100 } text ? text : null;
}
