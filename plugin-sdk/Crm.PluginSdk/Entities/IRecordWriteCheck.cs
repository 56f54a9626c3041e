using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Platform machinery asked after a create or update has saved its record, in the write's
/// transaction, before it commits: it may warn (the warnings go into the payload) or refuse
/// (the write rolls back and answers the refusal). The Duplicates module warns of, or refuses,
/// records that look like others already there.
/// </summary>
internal interface IRecordWriteCheck
{
    Task<RecordWriteVerdict> CheckAsync(IServiceProvider services, ICrmEntityDefinition definition, ICrmRecord record, bool isCreate, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="CheckAsync"/> of records created together in one save (a bulk create), one verdict
    /// each, in their order, in a bounded number of statements: each is judged as if it had been
    /// created alone after the records before it, so that a record is not a duplicate of a later
    /// one of the set, nor of an earlier one this check refuses.
    /// </summary>
    Task<IReadOnlyList<RecordWriteVerdict>> CheckCreatedAsync(IServiceProvider services, ICrmEntityDefinition definition, IReadOnlyList<ICrmRecord> records, CancellationToken cancellationToken);
}

internal sealed record RecordWriteVerdict(IReadOnlyList<DuplicateWarning> Warnings, IReadOnlyList<UserError> Refusals)
{
    public static RecordWriteVerdict None { get; } = new([], []);
}
