using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;

namespace Company.CrmPlugin.Items;

/// <summary>The plugin's record type: rename it and give it the fields it needs.</summary>
[CrmRecord(ItemEntity.Name)]
public sealed class Item : AuditedRecord, ISearchableRecord, IOwnedRecord
{
    IEnumerable<string?> ISearchableRecord.SearchTexts => [Title];

    IEnumerable<string> ISearchableRecord.SearchHandles => [];

    IEnumerable<string> ISearchableRecord.SearchPhones => [];

    public string Title { get; set; } = "";

    public decimal Amount { get; set; }

    public long? AssignedById { get; set; }

    public bool Opened { get; set; } = true;
}
