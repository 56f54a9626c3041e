using System.Text.Json.Nodes;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Waits;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// When an action of a run started now would run, by its timing: what it waits for (in words) and
/// until when, as a real run would wait (<see cref="WaitPlanner"/>, working hours applied); null
/// when it cannot be told (the date field is empty).
/// </summary>
public sealed record ActionDue(string WaitsFor, DateTimeOffset? Until)
{
    public static ActionDue Of(ActionTiming timing, JsonObject? record, DateTimeOffset now, WaitOptions options)
    {
        var delay = timing.Delay ?? TimeSpan.Zero;
        var words = timing.Mode switch
        {
            TimingMode.AfterDelay => $"{Duration(delay)} after the start",
            TimingMode.BeforeField => $"{Duration(delay)} before {timing.Field}",
            TimingMode.AfterField => $"{Duration(delay)} after {timing.Field}",
            TimingMode.AtTimeOfDay => $"the next {timing.TimeOfDay} UTC",
            _ => "nothing",
        };
        var (until, problem) = record is null ? (null, "the record could not be read") : WaitPlanner.Due(timing, record, now, options);
        if (problem is not null)
        {
            words += $" ({problem}: the action would fail)";
        }

        return new ActionDue(timing.WorkingHoursOnly ? words + ", moved into working hours" : words, until);
    }

    private static string Duration(TimeSpan delay) => System.Xml.XmlConvert.ToString(delay);
}
