using Crm.Modules.Automation.Definitions;

namespace Crm.Modules.Automation.Rules;

/// <summary>A rule: its record type and its versions (<see cref="VersionedDefinition{TVersion}"/>).</summary>
public sealed class AutomationRule : VersionedDefinition<AutomationRuleVersion>;

/// <summary>One version of a rule: a run pins the version it started with.</summary>
public sealed class AutomationRuleVersion : DefinitionVersion
{
    public long RuleId { get; set; }

    /// <summary>The user whose rights the runs have.</summary>
    public long RunAsUserId { get; set; }
}
