using Crm.PluginSdk.Records;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Platform machinery told of every record a module context saves, in the save's transaction,
/// after the rows are written (created records have their ids): what it writes beside them
/// commits or rolls back with them. The Duplicates module keeps its match keys so, whichever
/// path wrote the record (a mutation, reference cleaning, a conversion, an automation action).
/// Resolved from the scope of the save's session; a context without a session tells nobody.
/// </summary>
internal interface IRecordSaveObserver
{
    /// <summary>Whether saves of records of <paramref name="entityType"/> concern it (asked before the save, cheaply).</summary>
    bool Observes(string entityType);

    /// <summary>
    /// The records of the types it observes just written by <paramref name="context"/>; SQL run
    /// through <paramref name="context"/>'s <c>Database</c> joins the save's transaction.
    /// </summary>
    Task SavedAsync(ModuleDbContext context, IReadOnlyList<SavedRecord> saved, CancellationToken cancellationToken);
}

/// <summary>One record a save wrote: created, updated (with the published names of the fields that changed) or deleted.</summary>
internal sealed record SavedRecord(string EntityType, long Id, ICrmRecord Record, SavedRecordKind Kind, IReadOnlyCollection<string> ChangedFields);

internal enum SavedRecordKind
{
    Created,
    Updated,
    Deleted,
}
