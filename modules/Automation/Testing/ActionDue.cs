using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Rules;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// When an action of a run started now would run, by its timing: what it waits for (in words) and
/// until when (null when it cannot be told: the date field is empty). Working hours are not applied:
/// <see cref="ActionTiming.WorkingHoursOnly"/> is told in the words.
/// </summary>
public sealed record ActionDue(string WaitsFor, DateTimeOffset? Until)
{
    public static ActionDue Of(ActionTiming timing, JsonObject? record, DateTimeOffset now)
    {
        var delay = timing.Delay ?? TimeSpan.Zero;
        var (words, until) = timing.Mode switch
        {
            TimingMode.AfterDelay => ($"{Duration(delay)} after the start", now + delay),
            TimingMode.BeforeField => ($"{Duration(delay)} before {timing.Field}", FieldTime(record, timing.Field) - delay),
            TimingMode.AfterField => ($"{Duration(delay)} after {timing.Field}", FieldTime(record, timing.Field) + delay),
            TimingMode.AtTimeOfDay => ($"the next {timing.TimeOfDay} UTC", NextTimeOfDay(timing.TimeOfDay, now)),
            _ => ("nothing", (DateTimeOffset?)now),
        };
        if (timing.Mode is TimingMode.BeforeField or TimingMode.AfterField && until is null)
        {
            words += $" ({timing.Field} is empty: the action would not be scheduled)";
        }

        return new ActionDue(timing.WorkingHoursOnly ? words + ", then the next working hour" : words, until);
    }

    private static string Duration(TimeSpan delay) => System.Xml.XmlConvert.ToString(delay);

    private static DateTimeOffset? FieldTime(JsonObject? record, string? field) =>
        field is not null && record?[field] is JsonValue value && value.TryGetValue<string>(out var text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    private static DateTimeOffset? NextTimeOfDay(string? timeOfDay, DateTimeOffset now)
    {
        if (!TimeOnly.TryParseExact(timeOfDay, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return null;
        }

        var today = new DateTimeOffset(now.UtcDateTime.Date + time.ToTimeSpan(), TimeSpan.Zero);
        return today > now ? today : today.AddDays(1);
    }
}
