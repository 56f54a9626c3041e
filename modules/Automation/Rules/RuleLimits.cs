namespace Crm.Modules.Automation.Rules;

/// <summary>What one rule may hold: every limit is checked when the rule is saved, before anything is written.</summary>
public static class RuleLimits
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2_000;

    /// <summary>Actions of one rule, run in order.</summary>
    public const int MaxActions = 20;

    /// <summary>Retries of an action whose error policy is RETRY.</summary>
    public const int MaxRetries = 5;

    /// <summary>Nodes of a condition tree (groups and tests together).</summary>
    public const int MaxConditionNodes = 100;

    /// <summary>Nesting of a condition tree's groups.</summary>
    public const int MaxConditionDepth = 8;

    /// <summary>Values of one <c>in</c>/<c>nin</c> test.</summary>
    public const int MaxConditionValues = 100;

    /// <summary>Characters of one value compared in a condition (a text value).</summary>
    public const int MaxConditionTextLength = 1_000;

    /// <summary>The stored definition (trigger, condition, actions) as JSON, in characters.</summary>
    public const int MaxDefinitionLength = 64_000;

    /// <summary>Rules one record type may have (each event of the type reads the active ones).</summary>
    public const int MaxRulesPerType = 500;

    /// <summary>Versions of one rule listed by <c>versions</c> (the newest first).</summary>
    public const int MaxListedVersions = 50;
}
