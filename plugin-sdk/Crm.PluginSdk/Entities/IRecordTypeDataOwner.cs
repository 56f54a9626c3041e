namespace Crm.PluginSdk.Entities;

/// <summary>
/// A module that keeps rows naming record types by name in its own tables, types another module
/// or plugin brings (an <c>entity_type</c> column: timeline entries, comments, custom field
/// definitions, rights, saved views, automation rules, bindings). When a plugin is uninstalled
/// with its data (<c>uninstallPlugin(purgeData: true)</c>), its tables go, and no row elsewhere may
/// still name its types or its records: at the next start of a host, once the modules are loaded,
/// the platform asks every owner to delete what it holds about those types.
/// </summary>
/// <remarks>
/// Register the implementation in the module's services
/// (<c>services.AddScoped&lt;IRecordTypeDataOwner, MyTypeData&gt;()</c>), as a
/// <see cref="IRecordReferenceHolder"/> is; it is resolved from a scope of its own, with every
/// right, so it may use the module's DbContext. The purge is repeated until it completes (a host
/// stopped midway does it again at its next start) and two hosts may run it at once: delete with
/// set-based statements that find nothing the second time. The types are gone from the registry by
/// then (their plugin is not loaded): do not look them up. A row that merely names a record of
/// such a type among others (a communication's record) loses the name rather than the row.
/// </remarks>
public interface IRecordTypeDataOwner
{
    /// <summary>
    /// Deletes every row of the module's that belongs to, or names, a record type in
    /// <paramref name="recordTypes"/> (lower-case names, as <see cref="ICrmEntityType.Name"/>); returns how many rows it changed.
    /// </summary>
    Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken);
}
