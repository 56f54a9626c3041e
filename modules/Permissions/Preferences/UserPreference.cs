namespace Crm.Modules.Permissions.Preferences;

/// <summary>One setting a user keeps for themselves (a front end's list columns, an import mapping), by key.</summary>
public sealed class UserPreference
{
    public long UserId { get; set; }

    public string Key { get; set; } = "";

    /// <summary>The value as JSON text.</summary>
    public string Value { get; set; } = "";

    public DateTime UpdatedAt { get; set; }
}
