using Crm.PluginSdk.Modules;
using System.Linq.Expressions;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Declares a CRM record type: its fields, how it is stored, and hooks for what is special about
/// it. From this alone the SDK gives it a GraphQL type, filters, sorting, cursor paging, create/
/// update/delete with validation, batched loading and a place in the entity registry. Register
/// nothing by hand: the host finds definitions in the module by convention.
/// </summary>
/// <remarks>
/// The definition keeps the declaration; the work is done by its parts, one concern each: rights
/// (<see cref="RecordAccess{TRecord}"/>), reads and paging (<see cref="RecordReader{TRecord, TContext}"/>),
/// writes (<see cref="RecordWriter{TRecord, TContext}"/>), a delete's references elsewhere
/// (<see cref="ReferenceDetacher{TRecord, TContext}"/>), back-references
/// (<see cref="BackReferenceLoader{TRecord, TContext}"/>), search links (<see cref="SearchLinks{TRecord, TContext}"/>),
/// custom field storage (<see cref="CustomFieldStorage{TRecord, TContext}"/>), list value moves
/// (<see cref="ListValueMover{TRecord, TContext}"/>) and former field names (<see cref="FormerFieldNames"/>).
/// </remarks>
public abstract class CrmEntityDefinition<TRecord, TContext> : ICrmEntityDefinition
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    private readonly Dictionary<string, EntityField> _fields;
    private int _modelBound;
    private bool? _isPostgres;
    private readonly RecordAccess<TRecord> _access;
    private readonly RecordReader<TRecord, TContext> _reader;
    private readonly RecordSummarizer<TRecord, TContext> _summarizer;
    private readonly RecordWriter<TRecord, TContext> _writer;
    private readonly BulkRecordCreator<TRecord, TContext> _bulk;
    private readonly ReferenceDetacher<TRecord, TContext> _references;
    private readonly BackReferenceLoader<TRecord, TContext> _backReferences;
    private readonly SearchLinks<TRecord, TContext> _searchLinks;
    private readonly CustomFieldStorage<TRecord, TContext> _customFields;
    private readonly ListValueMover<TRecord, TContext> _listValues;

    /// <param name="name">The record type's key, e.g. "quote": unique among every module's types (a second module claiming it is refused).</param>
    protected CrmEntityDefinition(string name)
    {
        Name = name;
        TypeId = Bitrix24TypeIds.Of(name);
        var builder = new EntityBuilder<TRecord>();
        var record = Expression.Parameter(typeof(TRecord), "record");
        builder.Field(Expression.Lambda<Func<TRecord, long>>(Expression.Property(record, nameof(ICrmRecord.Id)), record))
            .AsId().ReadOnly().InGroup(Metadata.FieldGroups.System).Label(Metadata.Labels.English, "ID").Describe("The record's id.");
        Configure(builder);
        if (builder.Fields.Count(f => f.IsStage) > 1)
        {
            throw new InvalidOperationException($"{typeof(TRecord).Name} declares more than one stage field: a board groups by one.");
        }

        Labels = builder.Labels;
        _fields = builder.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        InputOnlyFields = builder.InputFields;
        Description = builder.Description;
        GraphTypeName = builder.GraphTypeName ?? char.ToUpperInvariant(name[0]) + name[1..];
        PluralName = builder.PluralName ?? name + "s";
        PermissionActions = [.. StandardActions, .. builder.Actions];
        PermissionPartitionFields = builder.PermissionPartitions.Select(f => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(((MemberExpression)f.Body).Member.Name)).ToList();
        TitleFields = TitleFieldsOf(builder);
        SearchLinkNames = builder.SearchLinks;

        var bound = builder.Binding is { } binding
            ? (Bindings.IBoundAccess<TRecord>)Activator.CreateInstance(typeof(Bindings.BoundAccess<,,>).MakeGenericType(typeof(TRecord), typeof(TContext), binding.BindingType), name, binding)!
            : null;
        _access = new RecordAccess<TRecord>(name, builder.PermissionPartitions, bound);
        var formerNames = new FormerFieldNames(_fields.Values);
        _searchLinks = new SearchLinks<TRecord, TContext>(this);
        _reader = new RecordReader<TRecord, TContext>(this, _access, _searchLinks, formerNames);
        _summarizer = new RecordSummarizer<TRecord, TContext>(this, _reader, _access, formerNames);
        _writer = new RecordWriter<TRecord, TContext>(this, _access, _searchLinks, formerNames);
        _bulk = new BulkRecordCreator<TRecord, TContext>(this, _writer, _searchLinks, formerNames);
        _references = new ReferenceDetacher<TRecord, TContext>(this, _writer, _searchLinks);
        _backReferences = new BackReferenceLoader<TRecord, TContext>(this, _access);
        _customFields = new CustomFieldStorage<TRecord, TContext>(name);
        _listValues = new ListValueMover<TRecord, TContext>(this);
    }

    public string Name { get; }

    public int? TypeId { get; }

    public string GraphTypeName { get; }

    public string PluralName { get; }

    public string? Description { get; }

    public Metadata.EntityLabels Labels { get; }

    public Type RecordType => typeof(TRecord);

    /// <summary>The built-in fields, without custom fields.</summary>
    public IReadOnlyDictionary<string, EntityField> Fields => _fields;

    public IReadOnlyList<InputOnlyField> InputOnlyFields { get; }

    public bool SupportsCustomFields => typeof(ICustomizableRecord).IsAssignableFrom(typeof(TRecord));

    /// <summary>Whether lists of this type take a <c>search</c> argument.</summary>
    public bool Searchable => typeof(ISearchableRecord).IsAssignableFrom(typeof(TRecord));

    public IReadOnlyList<string> PermissionPartitionFields { get; }

    public IReadOnlyList<PermissionActionDeclaration> PermissionActions { get; }

    private static readonly PermissionActionDeclaration[] StandardActions =
    [
        new(PermissionAction.Read, "See the records."),
        new(PermissionAction.Add, "Create records."),
        new(PermissionAction.Update, "Change the records."),
        new(PermissionAction.Delete, "Delete the records."),
        new(PermissionAction.Export, "Export the records."),
        new(PermissionAction.Import, "Import records."),
    ];

    public IReadOnlyList<EntityField> TitleFields { get; }

    public IReadOnlyList<string> SearchLinkNames { get; }

    IReadOnlyDictionary<string, EntityField> ICrmEntityDefinition.FieldsFor(CustomFieldSnapshot snapshot) => FieldsWith(snapshot);

    /// <summary>The built-in fields and those of the snapshot's custom field definitions.</summary>
    private IReadOnlyDictionary<string, EntityField> FieldsWith(CustomFieldSnapshot snapshot)
    {
        var custom = SupportsCustomFields ? snapshot.For(Name) : [];
        if (custom.Count == 0)
        {
            return _fields;
        }

        var isPostgres = _isPostgres ?? throw new InvalidOperationException($"The model of {Name} is not bound yet.");
        return snapshot.Derived(Name, () =>
        {
            var fields = new Dictionary<string, EntityField>(_fields, StringComparer.Ordinal);
            foreach (var spec in custom)
            {
                fields.TryAdd(spec.FieldName, EntityField.ForCustomField(typeof(TRecord), spec, isPostgres));
            }

            return (IReadOnlyDictionary<string, EntityField>)fields;
        });
    }

    /// <summary>The fields of the request's snapshot (see <see cref="CustomFieldScope"/>).</summary>
    protected internal IReadOnlyDictionary<string, EntityField> FieldsOf(IServiceProvider services)
    {
        _isPostgres ??= services.GetModuleService<TContext>().IsPostgres;
        return FieldsWith(CustomFieldScope.Of(services));
    }

    protected abstract void Configure(EntityBuilder<TRecord> entity);

    /// <summary>The records a read starts from; the actor's rights narrow it further, below every module.</summary>
    protected virtual IQueryable<TRecord> ReadQuery(TContext db) => db.Set<TRecord>().AsNoTracking();

    /// <summary>
    /// The records the actor may act on with <paramref name="action"/>, untracked, as an ordinary
    /// query to compose in the module's own reads (a record type's field of the module's own):
    /// the rights are in it, so a page taken from it is taken after them.
    /// </summary>
    protected IQueryable<TRecord> ReachableQuery(IServiceProvider services, PermissionAction action) =>
        _access.Reachable(ReadQuery(services.GetModuleService<TContext>()), services, action);

    /// <summary>The tracked record an update or delete works on; include what the hooks change.</summary>
    protected virtual IQueryable<TRecord> WriteQuery(TContext db) => db.Set<TRecord>();

    /// <summary>
    /// Validates and applies what the generic field handling does not (links, derived values).
    /// Runs even when fields already failed, so that every problem is reported at once; change
    /// nothing beyond the record when <see cref="MutationContext{TRecord, TContext}.HasErrors"/>.
    /// </summary>
    protected virtual Task ApplyInputAsync(MutationContext<TRecord, TContext> mutation) => Task.CompletedTask;

    protected virtual Task OnDeletingAsync(TRecord record, TContext db, CancellationToken cancellationToken) => Task.CompletedTask;

    // The hooks, for the definition's parts (protected members cannot be called from another class).
    internal IQueryable<TRecord> ReadsFrom(TContext db) => ReadQuery(db);

    /// <summary>Whether reads start from the whole table (<see cref="ReadQuery"/> is not overridden): then a read by id may be a compiled query.</summary>
    internal bool ReadsFromWholeTable => _readsFromWholeTable ??=
        GetType().GetMethod(nameof(ReadQuery), System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic, [typeof(TContext)])?.DeclaringType
            == typeof(CrmEntityDefinition<TRecord, TContext>);

    private bool? _readsFromWholeTable;

    internal IQueryable<TRecord> WritesFrom(TContext db) => WriteQuery(db);

    internal Task ApplyInputHookAsync(MutationContext<TRecord, TContext> mutation) => ApplyInputAsync(mutation);

    internal Task OnDeletingHookAsync(TRecord record, TContext db, CancellationToken cancellationToken) => OnDeletingAsync(record, db, cancellationToken);

    void ICrmEntityDefinition.BindModel(IServiceProvider rootServices)
    {
        if (Interlocked.Exchange(ref _modelBound, 1) == 1)
        {
            return;
        }

        using var scope = rootServices.CreateScope();
        var context = scope.ServiceProvider.GetModuleService<TContext>();
        _isPostgres = context.IsPostgres;
        var entityType = context.Model.FindEntityType(typeof(TRecord));
        foreach (var field in _fields.Values)
        {
            if (field.Kind == FieldKind.String && field.MaxLength is null)
            {
                field.MaxLength = entityType?.FindProperty(field.Property.Name)?.GetMaxLength();
            }
        }
    }

    public string? TitleOf(object record)
    {
        var parts = TitleFields.Select(f => f.Get(record) as string).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!.Trim()).ToList();
        return parts.Count == 0 ? null : string.Join(' ', parts);
    }

    private List<EntityField> TitleFieldsOf(EntityBuilder<TRecord> builder)
    {
        if (builder.TitleParts.Count == 0)
        {
            return _fields.TryGetValue("title", out var title) && title.Kind == FieldKind.String ? [title] : [];
        }

        return builder.TitleParts.Select(part =>
        {
            var member = part.Body is MemberExpression { Member: var m } ? m.Name : throw new ArgumentException("A title part is a property access such as record => record.Name.");
            return _fields.Values.FirstOrDefault(f => f.Custom is null && f.Property.Name == member)
                ?? throw new InvalidOperationException($"The title of {Name} is made of '{member}', which is not a declared field.");
        }).ToList();
    }

    // Rights.
    public bool ReachesAll(IServiceProvider services, PermissionAction action) => _access.ReachesAll(services, action);

    public async Task<bool> ReachesAsync(IServiceProvider services, long id, PermissionAction action, CancellationToken cancellationToken) =>
        await _access.Reachable(services.GetModuleService<TContext>().Set<TRecord>().AsNoTracking(), services, action).AnyAsync(r => r.Id == id, cancellationToken);

    async Task<IReadOnlySet<long>> ICrmEntityDefinition.ReachableAmongAsync(IServiceProvider services, IReadOnlyCollection<long> ids, PermissionAction action, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new HashSet<long>();
        }

        var wanted = ids.Distinct().ToList();
        var reachable = await _access.Reachable(services.GetModuleService<TContext>().Set<TRecord>().AsNoTracking(), services, action)
            .Where(r => wanted.Contains(r.Id)).Select(r => r.Id).ToListAsync(cancellationToken);
        return reachable.ToHashSet();
    }

    // Reads.
    public Task<IReadOnlyDictionary<long, object>> LoadByIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> ids, CancellationToken cancellationToken) =>
        _reader.LoadByIdsAsync(requestServices, ids, null, cancellationToken);

    public Task<object?> GetAsync(IServiceProvider services, long id, CancellationToken cancellationToken) =>
        _reader.GetAsync(services, id, null, cancellationToken);

    public Task<Connection> ListAsync(IServiceProvider services, ListArguments arguments, bool withTotalCount, CancellationToken cancellationToken) =>
        _reader.ListAsync(services, arguments, withTotalCount, null, cancellationToken);

    // The same, reading only the columns a query selects (see RecordProjection).
    Task<IReadOnlyDictionary<long, object>> ICrmEntityType.LoadByIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> ids, RecordProjection? projection, CancellationToken cancellationToken) =>
        _reader.LoadByIdsAsync(requestServices, ids, projection, cancellationToken);

    Task<object?> ICrmEntityDefinition.GetAsync(IServiceProvider services, long id, RecordProjection? projection, CancellationToken cancellationToken) =>
        _reader.GetAsync(services, id, projection, cancellationToken);

    Task<object?> ICrmEntityDefinition.GetAsync(IServiceProvider services, long id, RecordProjection? projection, IReadOnlyList<SelectedReference> references, CancellationToken cancellationToken) =>
        _reader.GetAsync(services, id, projection, references, cancellationToken);

    JoinSource? ICrmEntityDefinition.JoinSource(IServiceProvider services, RecordProjection projection) => _reader.JoinSource(services, projection);

    Task<Connection> ICrmEntityDefinition.ListAsync(IServiceProvider services, ListArguments arguments, bool withTotalCount, RecordProjection? projection, CancellationToken cancellationToken) =>
        _reader.ListAsync(services, arguments, withTotalCount, projection, cancellationToken);

    void ICrmEntityDefinition.CheckListArguments(IServiceProvider services, IReadOnlyDictionary<string, object?>? where, IReadOnlyList<IReadOnlyDictionary<string, object?>>? order) =>
        _reader.Check(services, where, order);

    Task<RecordSummary> ICrmEntityDefinition.SummarizeAsync(IServiceProvider services, SummaryArguments arguments, CancellationToken cancellationToken) =>
        _summarizer.SummarizeAsync(services, arguments, cancellationToken);

    bool ICrmEntityDefinition.Summarizes(EntityField field, bool byGroup) =>
        byGroup ? RecordSummarizer<TRecord, TContext>.Groupable(field) : RecordSummarizer<TRecord, TContext>.Summable(field);

    // Writes.
    public Task<MutationPayload> CreateAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        _writer.CreateAsync(services, input, cancellationToken);

    public Task<IReadOnlyList<MutationPayload>> CreateManyAsync(IServiceProvider services, IReadOnlyList<IReadOnlyDictionary<string, object?>> inputs, CancellationToken cancellationToken) =>
        _bulk.CreateManyAsync(services, inputs, cancellationToken);

    public Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        _writer.UpdateAsync(services, id, input, cancellationToken);

    public Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, Func<object, CancellationToken, Task<IReadOnlyDictionary<string, object?>?>> inputOf,
        CancellationToken cancellationToken) =>
        _writer.UpdateAsync(services, id, inputOf, cancellationToken);

    public Task<MutationPayload> DeleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken) =>
        _writer.DeleteAsync(services, id, cancellationToken);

    public Task LockAsync(IServiceProvider services, IReadOnlyCollection<long> ids, RowLock mode, CancellationToken cancellationToken) =>
        services.GetModuleService<TContext>().LockAsync<TRecord>(ids, mode, cancellationToken);

    // References to a record being deleted, and back-references.
    Task<ReferenceScan> ICrmEntityDefinition.FindReferencesAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken) =>
        _references.FindReferencesAsync(services, targetType, targetId, max, cancellationToken);

    Task<IReadOnlyList<UserError>> ICrmEntityDefinition.DetachReferencesAsync(IServiceProvider services, string targetType, long targetId, IReadOnlyCollection<long> recordIds,
        IReadOnlyList<CrmRelationDefinition> relations, CancellationToken cancellationToken, long? replacementId) =>
        _references.DetachReferencesAsync(services, targetType, targetId, recordIds, relations, cancellationToken, replacementId);

    Task<int> ICrmEntityDefinition.ForgetRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken) =>
        _references.ForgetRecordTypesAsync(services, recordTypes, cancellationToken);

    Task<ILookup<long, object>> ICrmEntityDefinition.LoadReferringAsync(IServiceProvider services, string fieldName, IReadOnlyCollection<long> targetIds, int perTarget, RecordProjection? projection, CancellationToken cancellationToken) =>
        _backReferences.LoadReferringAsync(services, fieldName, targetIds, perTarget, projection, cancellationToken);

    // Bindings: a type whose rights follow the records it is bound to, and the types it is bound to.
    bool ICrmEntityDefinition.BindsToOthers => _access.Bound is not null;

    string? ICrmEntityDefinition.ReachSql(IServiceProvider services, PermissionAction action, string alias, string idSql, List<object> parameters)
    {
        if (_access.Bound is not null || _access.ReachesNothing(services, action))
        {
            return null;
        }

        return _access.FilterOf(services, action) is { } filter
            ? AccessSql.Exists(filter, services.GetModuleService<TContext>().Model.FindEntityType(typeof(TRecord))!, alias, idSql, parameters)
            : "";
    }

    string? ICrmEntityDefinition.ReadableSql(IServiceProvider services, PermissionAction action, string alias, string idSql, List<object> parameters) =>
        _access.Bound is not null || _access.ReachesNothing(services, action)
            ? null
            : AccessSql.Exists(_access.FilterOf(services, action), services.GetModuleService<TContext>().Model.FindEntityType(typeof(TRecord))!, alias, idSql, parameters);

    async Task<IReadOnlyList<UserError>> ICrmEntityDefinition.DropBindingsToAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken)
    {
        if (_access.Bound is not { } bound)
        {
            return [];
        }

        var owners = await bound.BoundToAsync(services, targetType, targetId, max, cancellationToken);
        if (owners.Count > max)
        {
            return [UserError.At(ErrorCodes.LimitExceeded,
                $"{char.ToUpperInvariant(targetType[0])}{targetType[1..]} {targetId.ToString(System.Globalization.CultureInfo.InvariantCulture)} is bound to more than {max.ToString(System.Globalization.CultureInfo.InvariantCulture)} {PluralName} (Limits:MaxDetachedReferences); delete or rebind them first.", "id")];
        }

        var db = services.GetModuleService<TContext>();
        foreach (var ownerId in owners)
        {
            var record = await db.LockingRow(WriteQuery(db), ownerId, RowLock.NoKeyUpdate).FirstOrDefaultAsync(r => r.Id == ownerId, cancellationToken);
            if (record is null)
            {
                continue;
            }

            if (await bound.UnbindAsync(record, targetType, targetId, services, cancellationToken))
            {
                await db.SaveChangesAsync(cancellationToken);
                continue;
            }

            // Its last binding: the record goes with it, as Bitrix24's activities go with their owner.
            var deleted = await _writer.DeleteAsync(services, ownerId, cancellationToken);
            if (deleted.Errors.Count > 0)
            {
                return deleted.Errors;
            }
        }

        return [];
    }

    // Search links.
    IReadOnlyCollection<string> ICrmEntityDefinition.SearchLinkTargets(IServiceProvider services) => _searchLinks.Targets(services);

    Task ICrmEntityDefinition.RefreshSearchLinksAsync(IServiceProvider services, IReadOnlyCollection<long> ids, CancellationToken cancellationToken) =>
        _searchLinks.RefreshAsync(services, ids, cancellationToken);

    Task<int> ICrmEntityDefinition.RefreshSearchLinksToAsync(IServiceProvider services, string targetType, long targetId, CancellationToken cancellationToken) =>
        _searchLinks.RefreshToAsync(services, targetType, targetId, cancellationToken);

    // Custom field storage and list values, over every record of the type.
    (IReadOnlyDictionary<string, EntityField> Fields, IReadOnlyCollection<string> InputOnly) ICrmEntityDefinition.WritableFields(IServiceProvider services) =>
        (FieldsOf(services).Values.Where(f => f.Custom is not null || (f.Writable && f.Set is not null)).ToDictionary(f => f.Name, StringComparer.Ordinal),
         InputOnlyFields.Select(f => f.Name).ToList());

    async Task<List<UserError>> ICrmEntityDefinition.CheckInputAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var record = new TRecord();
        var errors = new List<UserError>();
        var fields = FieldsOf(services);
        InputBinder.Apply(record, fields.Values, input, isCreate: false, errors);
        await LinkValidator<TRecord>.ValidateAsync(record, fields, f => input.ContainsKey(f.Name), services, errors, cancellationToken);
        return errors;
    }

    Task<int> ICrmEntityDefinition.CountCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken) =>
        _customFields.CountCustomValuesAsync(services, code, cancellationToken);

    Task<int> ICrmEntityDefinition.ClearCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken) =>
        _customFields.ClearCustomValuesAsync(services, code, cancellationToken);

    Task ICrmEntityDefinition.SyncCustomFieldIndexesAsync(IServiceProvider services, IReadOnlyList<CustomFieldSpec> fields, CancellationToken cancellationToken) =>
        _customFields.SyncCustomFieldIndexesAsync(services, fields, cancellationToken);

    Task<int> ICrmEntityDefinition.CountListValueAsync(IServiceProvider services, string listId, string value, CancellationToken cancellationToken) =>
        _listValues.CountListValueAsync(services, listId, value, cancellationToken);

    Task<int> ICrmEntityDefinition.ReplaceListValueAsync(IServiceProvider services, string listId, string from, string to, CancellationToken cancellationToken) =>
        _listValues.ReplaceListValueAsync(services, listId, from, to, cancellationToken);
}
