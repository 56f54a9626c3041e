namespace Crm.Modules.Automation.Schedules;

/// <summary>How far a <c>schedule.dateField</c> rule has looked: its records whose time fell before <see cref="SweptUntil"/> have had their runs.</summary>
public sealed class ScheduleSweep
{
    public long RuleId { get; set; }

    public DateTime SweptUntil { get; set; }
}
