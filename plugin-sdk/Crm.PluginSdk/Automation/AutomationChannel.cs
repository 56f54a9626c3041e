using System.Globalization;
using Crm.PluginSdk.Events;

namespace Crm.PluginSdk.Automation;

/// <summary>
/// The channel (<see cref="ChangeOrigin.Via"/>) of an automation run's changes:
/// <c>automation:rule:42:v3</c>, so that every event, and the history and timeline built from them,
/// names the rule and version that made the change beside the actor kind <see cref="ActorKind.Automation"/>.
/// </summary>
public static class AutomationChannel
{
    private const string Prefix = ChangeOrigin.Channels.Automation + ":rule:";
    private const string ProcessPrefix = ChangeOrigin.Channels.Automation + ":process:";

    /// <summary>The channel of a run of the rule's version (or of a process instance's: <c>automation:process:7:v2</c>).</summary>
    public static string For(AutomationRunIdentity run)
    {
        var prefix = run.IsProcess ? ProcessPrefix : Prefix;
        return run.Depth > 1
            ? string.Create(CultureInfo.InvariantCulture, $"{prefix}{run.RuleId}:v{run.RuleVersion}:d{run.Depth}")
            : string.Create(CultureInfo.InvariantCulture, $"{prefix}{run.RuleId}:v{run.RuleVersion}");
    }

    /// <summary>The business process a channel names (its instances' changes); false for any other channel.</summary>
    public static bool TryParseProcess(string? via, out long processId)
    {
        processId = 0;
        return via is not null && via.StartsWith(ProcessPrefix, StringComparison.Ordinal)
            && long.TryParse(via[ProcessPrefix.Length..].Split(':')[0], NumberStyles.None, CultureInfo.InvariantCulture, out processId);
    }

    /// <summary>The rule and version a channel names; false for any other channel.</summary>
    public static bool TryParse(string? via, out long ruleId, out int ruleVersion) => TryParse(via, out ruleId, out ruleVersion, out _);

    /// <summary>The rule, version and cascade depth (<see cref="AutomationRunIdentity.Depth"/>) a channel names; false for any other channel.</summary>
    public static bool TryParse(string? via, out long ruleId, out int ruleVersion, out int depth)
    {
        ruleId = 0;
        ruleVersion = 0;
        depth = 0;
        if (via is null || !via.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = via[Prefix.Length..].Split(':');
        depth = 1;
        return parts.Length is 2 or 3
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ruleId)
            && parts[1].StartsWith('v') && int.TryParse(parts[1][1..], NumberStyles.None, CultureInfo.InvariantCulture, out ruleVersion)
            && (parts.Length == 2 || (parts[2].StartsWith('d') && int.TryParse(parts[2][1..], NumberStyles.None, CultureInfo.InvariantCulture, out depth)));
    }
}
