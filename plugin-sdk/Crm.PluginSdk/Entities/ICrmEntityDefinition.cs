using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;

namespace Crm.PluginSdk.Entities;

/// <summary>An entity type with everything the SDK needs to give it a GraphQL API.</summary>
/// <remarks>
/// Implemented by deriving from <see cref="CrmEntityDefinition{TRecord, TContext}"/>. The internal
/// members are the platform's machinery (model binding, custom field storage and indexes, reference
/// cleaning, search links, list value moves), called by the SDK, the host and the first-party
/// modules that maintain every record type; a plugin never calls them.
/// </remarks>
public interface ICrmEntityDefinition : ICrmEntityType
{
    string PluralName { get; }

    string? Description { get; }

    /// <summary>What the type and its actions are called in each language (<see cref="EntityBuilder{TRecord}.Label"/>).</summary>
    Metadata.EntityLabels Labels { get; }

    /// <summary>Whether lists of this type take a <c>search</c> argument (the record is an <see cref="ISearchableRecord"/>).</summary>
    bool Searchable { get; }

    IReadOnlyList<InputOnlyField> InputOnlyFields { get; }

    /// <summary>Reads column limits (max lengths) from the module's EF model, once.</summary>
    internal void BindModel(IServiceProvider rootServices);

    /// <summary>Whether the request's actor reaches every record of the type for the action: then a record not found does not exist; otherwise it may be hidden, which is told as FORBIDDEN.</summary>
    bool ReachesAll(IServiceProvider services, PermissionAction action);

    /// <summary>The permission actions of the type: the standard ones, then those it declares itself (<see cref="EntityBuilder{TRecord}.Action"/>).</summary>
    IReadOnlyList<PermissionActionDeclaration> PermissionActions { get; }

    /// <summary>The fields rights may be partitioned by, coarsest first (deals: pipelineId, stageId); empty for most types.</summary>
    IReadOnlyList<string> PermissionPartitionFields { get; }

    /// <summary>Whether the actor may do <paramref name="action"/> on the record (false also when it does not exist).</summary>
    Task<bool> ReachesAsync(IServiceProvider services, long id, PermissionAction action, CancellationToken cancellationToken);

    /// <summary>Of the records <paramref name="ids"/>, those that exist and the actor may do <paramref name="action"/> on: one statement (for checking many records at once, as a list of comments from many records needs).</summary>
    internal Task<IReadOnlySet<long>> ReachableAmongAsync(IServiceProvider services, IReadOnlyCollection<long> ids, PermissionAction action, CancellationToken cancellationToken);

    /// <summary>Whether admins can add custom fields to this type (its record is an <see cref="ICustomizableRecord"/>).</summary>
    bool SupportsCustomFields { get; }

    /// <summary>The built-in fields and those of the snapshot's custom field definitions.</summary>
    internal IReadOnlyDictionary<string, EntityField> FieldsFor(CustomFieldSnapshot snapshot);

    /// <summary>The fields a create or update input may set (custom fields of the request's snapshot included), and the input-only fields' names.</summary>
    internal (IReadOnlyDictionary<string, EntityField> Fields, IReadOnlyCollection<string> InputOnly) WritableFields(IServiceProvider services);

    /// <summary>
    /// Checks an update input as the record type's binder does (types, lengths, ranges, custom fields,
    /// items of selection lists, referenced records and users), on a blank record and saving nothing:
    /// for inputs stored ahead of their write (an automation rule's field values). Paths start with <c>input</c>.
    /// </summary>
    internal Task<List<UserError>> CheckInputAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    /// <summary>
    /// Checks a filter and an order as the list would read them (fields, operators, values, limits),
    /// building the query and running nothing: for filters stored ahead of their use (a saved view).
    /// Throws the list's <c>ExecutionError</c> (VALIDATION, LIMIT_EXCEEDED) at the first problem.
    /// </summary>
    internal void CheckListArguments(IServiceProvider services, IReadOnlyDictionary<string, object?>? where, IReadOnlyList<IReadOnlyDictionary<string, object?>>? order);

    /// <summary>How many records hold a value of the custom field <paramref name="code"/>.</summary>
    internal Task<int> CountCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken);

    /// <summary>Removes every record's value of the custom field <paramref name="code"/>, in one statement; returns how many held one.</summary>
    internal Task<int> ClearCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the custom field indexes of this type's table those of <paramref name="fields"/>
    /// (one per filterable single-valued field, on its filter key and the id): creates what is
    /// missing, without locking writes on PostgreSQL, and drops what is no longer wanted.
    /// </summary>
    internal Task SyncCustomFieldIndexesAsync(IServiceProvider services, IReadOnlyList<CustomFieldSpec> fields, CancellationToken cancellationToken);

    Task<object?> GetAsync(IServiceProvider services, long id, CancellationToken cancellationToken);

    Task<Connection> ListAsync(IServiceProvider services, ListArguments arguments, bool withTotalCount, CancellationToken cancellationToken);

    /// <summary><see cref="GetAsync(IServiceProvider, long, CancellationToken)"/> reading only the columns of <paramref name="projection"/> (null: the whole record).</summary>
    internal Task<object?> GetAsync(IServiceProvider services, long id, RecordProjection? projection, CancellationToken cancellationToken);

    /// <summary><see cref="ListAsync(IServiceProvider, ListArguments, bool, CancellationToken)"/> reading only the columns of <paramref name="projection"/> (and the cursor's keys).</summary>
    internal Task<Connection> ListAsync(IServiceProvider services, ListArguments arguments, bool withTotalCount, RecordProjection? projection, CancellationToken cancellationToken);

    /// <summary>
    /// The records a list with the same filter and search would show, grouped by fields, each group
    /// counted and numeric fields added up: in one statement, within the actor's read rights.
    /// </summary>
    internal Task<RecordSummary> SummarizeAsync(IServiceProvider services, SummaryArguments arguments, CancellationToken cancellationToken);

    /// <summary>Whether a summary may group by <paramref name="field"/> (<paramref name="byGroup"/>) or add it up.</summary>
    internal bool Summarizes(EntityField field, bool byGroup);

    /// <summary>
    /// <see cref="GetAsync(IServiceProvider, long, RecordProjection?, CancellationToken)"/> with the records its selected to-one
    /// <paramref name="references"/> name joined into the same statement where they can be, handed
    /// to the request's loaders so that their fields answer without statements of their own.
    /// </summary>
    internal Task<object?> GetAsync(IServiceProvider services, long id, RecordProjection? projection, IReadOnlyList<SelectedReference> references, CancellationToken cancellationToken);

    /// <summary>This type's part in a statement that joins its records into another type's read (see <see cref="JoinedRead"/>); null when its reads cannot be joined.</summary>
    internal JoinSource? JoinSource(IServiceProvider services, RecordProjection projection);

    Task<MutationPayload> CreateAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    /// <summary>The most inputs one <see cref="CreateManyAsync"/> takes.</summary>
    const int MaxCreateManyInputs = 1000;

    /// <summary>
    /// Creates a record for each of <paramref name="inputs"/> (at most <see cref="MaxCreateManyInputs"/>,
    /// else <see cref="ArgumentOutOfRangeException"/>), in one transaction (or the one in progress),
    /// answering one payload per input in their order: exactly what <see cref="CreateAsync"/> would
    /// answer for that input created alone after the inputs before it (its refusals, its record, its
    /// duplicate warnings). The records are saved together (one save: their rows, events and match keys
    /// batched), so that the statements do not grow with the inputs; when a check refuses one of them
    /// (a duplicate) or the database refuses the save, the inputs are created one after another instead,
    /// a refused one leaving nothing. Where a create alone would throw (an id that is none, a constraint
    /// of the database), the input answers it as its error (<c>CONFLICT</c> for the database's).
    /// </summary>
    Task<IReadOnlyList<MutationPayload>> CreateManyAsync(IServiceProvider services, IReadOnlyList<IReadOnlyDictionary<string, object?>> inputs, CancellationToken cancellationToken);

    Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    /// <summary>
    /// An update whose input depends on the record: <paramref name="inputOf"/> gets the record as the
    /// update reads it (its row locked, the UPDATE right checked) and answers the input, or null to
    /// leave it as it is (nothing written; the payload holds the record). One read instead of a read
    /// and then the update's own, and no other write can come between them (a stage moved within the
    /// record's own list).
    /// </summary>
    Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, Func<object, CancellationToken, Task<IReadOnlyDictionary<string, object?>?>> inputOf, CancellationToken cancellationToken);

    Task<MutationPayload> DeleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken);

    /// <summary>
    /// The records of this type that hold a reference to record <paramref name="targetId"/> of
    /// <paramref name="targetType"/> (by a reference field or a custom CRM link) and may let go of
    /// it (at most <paramref name="max"/> + 1 of them), and the fields that refuse its deletion with
    /// how many records hold it there.
    /// </summary>
    internal Task<ReferenceScan> FindReferencesAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Clears every reference to record <paramref name="targetId"/> of <paramref name="targetType"/>
    /// in the records <paramref name="recordIds"/> (locked first): its fields, and its link lists of
    /// <paramref name="relations"/> (each through the relation's input field, without the target),
    /// as updates on the actor's behalf with their "updated" events. Saves within the scope's
    /// transaction; returns why a record could not let go (a mandatory field, say), and the caller
    /// rolls back. With <paramref name="replacementId"/> (a merge), each reference names that record
    /// of the same type instead of being cleared.
    /// </summary>
    internal Task<IReadOnlyList<UserError>> DetachReferencesAsync(IServiceProvider services, string targetType, long targetId, IReadOnlyCollection<long> recordIds,
        IReadOnlyList<CrmRelationDefinition> relations, CancellationToken cancellationToken, long? replacementId = null);

    /// <summary>
    /// Lets go of every record of the types <paramref name="recordTypes"/> at once (their plugin was
    /// uninstalled with its data, the records are gone): the custom CRM link values of this type's
    /// records that name one of them are removed, each as an update on the platform's behalf with its
    /// "updated" event. Written directly, not through the update's checks: a mandatory link left empty
    /// is still better than one naming a record that is no more. Returns how many records changed.
    /// </summary>
    internal Task<int> ForgetRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken);

    /// <summary>
    /// The records of this type whose reference field <paramref name="fieldName"/> names each of
    /// <paramref name="targetIds"/>, at most <paramref name="perTarget"/> per target (oldest first),
    /// of those the actor may read: in one statement, reading only the columns of <paramref name="projection"/> (null: whole records).
    /// </summary>
    internal Task<ILookup<long, object>> LoadReferringAsync(IServiceProvider services, string fieldName, IReadOnlyCollection<long> targetIds, int perTarget, RecordProjection? projection, CancellationToken cancellationToken);

    /// <summary>Whether this type's rights follow the records it is bound to (see <see cref="EntityBuilder{TRecord}.BoundTo{TBinding}"/>); such a type is not bound to itself.</summary>
    internal bool BindsToOthers { get; }

    /// <summary>
    /// The SQL condition (FromSqlRaw's <c>{n}</c> placeholders, values added to <paramref name="parameters"/>)
    /// that the record of this type whose id is <paramref name="idSql"/> exists and the actor reaches it for
    /// <paramref name="action"/>: empty when they reach every record, null when none.
    /// </summary>
    internal string? ReachSql(IServiceProvider services, PermissionAction action, string alias, string idSql, List<object> parameters);

    /// <summary>
    /// As <see cref="ReachSql"/>, but always an <c>EXISTS</c> on this type's table, also when the actor
    /// reaches every record: what a reader of rows about records (timeline entries) needs so that a
    /// deleted record's rows stay hidden; null when they reach none, or the type's rights follow its bindings.
    /// </summary>
    internal string? ReadableSql(IServiceProvider services, PermissionAction action, string alias, string idSql, List<object> parameters);

    /// <summary>
    /// Removes every binding of this type's records to record <paramref name="targetId"/> of
    /// <paramref name="targetType"/> (about to be deleted), each as an update with its event, and
    /// deletes a record whose last binding it was; in the scope's transaction. Nothing for a type without bindings.
    /// </summary>
    internal Task<IReadOnlyList<UserError>> DropBindingsToAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken);

    /// <summary>The fields whose values make the record's title (see <see cref="EntityBuilder{TRecord}.Title"/>); empty when it has none.</summary>
    IReadOnlyList<EntityField> TitleFields { get; }

    /// <summary>What the record is called where other records show or search it; null when it has no title.</summary>
    string? TitleOf(object record);

    /// <summary>The links whose titles the type's search includes, as declared (<see cref="EntityBuilder{TRecord}.SearchIncludes"/>).</summary>
    IReadOnlyList<string> SearchLinkNames { get; }

    /// <summary>The record types whose titles this type's search includes.</summary>
    internal IReadOnlyCollection<string> SearchLinkTargets(IServiceProvider services);

    /// <summary>
    /// Rewrites the linked titles that <c>search</c> finds the records <paramref name="ids"/> by,
    /// from their links and the linked records as they are now (all of them, whoever may read them).
    /// </summary>
    internal Task RefreshSearchLinksAsync(IServiceProvider services, IReadOnlyCollection<long> ids, CancellationToken cancellationToken);

    /// <summary>
    /// After the title of record <paramref name="targetId"/> of <paramref name="targetType"/> changed:
    /// refreshes the linked titles of every record of this type that links to it, in batches;
    /// returns how many records it refreshed.
    /// </summary>
    internal Task<int> RefreshSearchLinksToAsync(IServiceProvider services, string targetType, long targetId, CancellationToken cancellationToken);

    /// <summary>How many records hold <paramref name="value"/> of list <paramref name="listId"/>.</summary>
    internal Task<int> CountListValueAsync(IServiceProvider services, string listId, string value, CancellationToken cancellationToken);

    /// <summary>Moves every record holding <paramref name="from"/> to <paramref name="to"/>, each with its "updated" event.</summary>
    internal Task<int> ReplaceListValueAsync(IServiceProvider services, string listId, string from, string to, CancellationToken cancellationToken);
}

/// <summary>What holds a record about to be deleted, in records of one type.</summary>
internal sealed record ReferenceScan(IReadOnlyList<long> RecordIds, IReadOnlyList<(string Field, int Count)> Refusing)
{
    public static ReferenceScan None { get; } = new([], []);
}

public sealed record ListArguments(
    IReadOnlyDictionary<string, object?>? Where,
    IReadOnlyList<IReadOnlyDictionary<string, object?>>? Order,
    int? First,
    string? After,
    int? Last,
    string? Before,
    string? Search = null)
{
    /// <summary>
    /// A right besides READ that every listed record must allow the actor, at that right's own level
    /// (EXPORT for an export: a user who reads ALL but exports OWN exports only their own records).
    /// Null: READ alone, as every list.
    /// </summary>
    public Security.PermissionAction? AlsoAllowing { get; init; }
}
