using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Schedules;

/// <summary>
/// <c>Automation:DateFieldSweep</c>: the CRON expression on which each active <c>schedule.dateField</c>
/// rule looks for records whose time came (every minute by default); <c>Automation:MaxRecordsPerFiring</c>:
/// the most records one firing of a schedule starts runs for (1,000; 1 to 10,000).
/// </summary>
public sealed record ScheduleOptions(string DateFieldSweep, int MaxRecordsPerFiring)
{
    public static ScheduleOptions From(IConfiguration configuration)
    {
        var sweep = configuration["Automation:DateFieldSweep"] is { Length: > 0 } given ? given : "0 * * * * ?";
        var max = configuration["Automation:MaxRecordsPerFiring"] is { Length: > 0 } text
            ? int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1
            : 1_000;
        if (sweep.Length > 120 || sweep.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is not (6 or 7) || max is < 1 or > 10_000)
        {
            throw new InvalidOperationException("Automation has a setting that cannot work: DateFieldSweep is a Quartz CRON expression (6 or 7 fields), MaxRecordsPerFiring is 1 to 10000.");
        }

        return new ScheduleOptions(sweep, max);
    }
}
