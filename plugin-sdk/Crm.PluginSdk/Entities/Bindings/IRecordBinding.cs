namespace Crm.PluginSdk.Entities.Bindings;

/// <summary>
/// One row of a record's bindings to records of any registered type (an activity's deal, contact,
/// quote ...), stored by the module that owns the bound record type. Declared on the type with
/// <see cref="EntityBuilder{TRecord}.BoundTo{TBinding}"/>; the SDK validates, locks, cleans up and
/// derives the record's rights from them.
/// </summary>
public interface IRecordBinding
{
    /// <summary>The id of the record that holds the binding (the activity).</summary>
    long RecordId { get; set; }

    /// <summary>The bound record's type, as registered ("deal", "quote").</summary>
    string EntityType { get; set; }

    /// <summary>The bound record's id.</summary>
    long EntityId { get; set; }
}
