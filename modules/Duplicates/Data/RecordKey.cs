namespace Crm.Modules.Duplicates.Data;

/// <summary>
/// One match key of one record: its normalised e-mail, the last nine digits of a phone, or its
/// name within its company. Records of a type sharing a key under a rule are likely duplicates.
/// </summary>
public sealed class RecordKey
{
    public string EntityType { get; set; } = "";

    /// <summary>The rule's short code (see <see cref="Keys.MatchRule"/>).</summary>
    public string Rule { get; set; } = "";

    public string Key { get; set; } = "";

    public long RecordId { get; set; }
}

/// <summary>A record type whose keys were built from its whole table (records written before the module, or around the platform).</summary>
public sealed class KeysBuilt
{
    public string EntityType { get; set; } = "";

    /// <summary>The version of the key rules the keys were built by; a newer one builds them again.</summary>
    public int RulesVersion { get; set; }

    public DateTime BuiltAt { get; set; }
}
