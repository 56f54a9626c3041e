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

/// <summary>An entity type with everything the SDK needs to give it a GraphQL API.</summary>
public interface ICrmEntityDefinition : ICrmEntityType
{
    string PluralName { get; }

    string? Description { get; }

    /// <summary>Whether lists of this type take a <c>search</c> argument (the record is an <see cref="ISearchableRecord"/>).</summary>
    bool Searchable { get; }

    IReadOnlyList<InputOnlyField> InputOnlyFields { get; }

    /// <summary>Reads column limits (max lengths) from the module's EF model, once.</summary>
    void BindModel(IServiceProvider rootServices);

    /// <summary>Whether the request's actor reaches every record of the type for the action: then a record not found does not exist; otherwise it may be hidden, which is told as FORBIDDEN.</summary>
    bool ReachesAll(IServiceProvider services, PermissionAction action);

    /// <summary>The permission actions of the type: the standard ones, then those it declares itself (<see cref="EntityBuilder{TRecord}.Action"/>).</summary>
    IReadOnlyList<PermissionActionDeclaration> PermissionActions { get; }

    /// <summary>The fields rights may be partitioned by, coarsest first (deals: pipelineId, stageId); empty for most types.</summary>
    IReadOnlyList<string> PermissionPartitionFields { get; }

    /// <summary>Whether the actor may do <paramref name="action"/> on the record (false also when it does not exist).</summary>
    Task<bool> ReachesAsync(IServiceProvider services, long id, PermissionAction action, CancellationToken cancellationToken);

    /// <summary>Whether admins can add custom fields to this type (its record is an <see cref="ICustomizableRecord"/>).</summary>
    bool SupportsCustomFields { get; }

    /// <summary>The built-in fields and those of the snapshot's custom field definitions.</summary>
    IReadOnlyDictionary<string, EntityField> FieldsFor(CustomFieldSnapshot snapshot);

    /// <summary>How many records hold a value of the custom field <paramref name="code"/>.</summary>
    Task<int> CountCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken);

    /// <summary>Removes every record's value of the custom field <paramref name="code"/>, in one statement; returns how many held one.</summary>
    Task<int> ClearCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the custom field indexes of this type's table those of <paramref name="fields"/>
    /// (one per filterable single-valued field, on its filter key and the id): creates what is
    /// missing, without locking writes on PostgreSQL, and drops what is no longer wanted.
    /// </summary>
    Task SyncCustomFieldIndexesAsync(IServiceProvider services, IReadOnlyList<CustomFieldSpec> fields, CancellationToken cancellationToken);

    Task<object?> GetAsync(IServiceProvider services, long id, CancellationToken cancellationToken);

    Task<Connection> ListAsync(IServiceProvider services, ListArguments arguments, bool withTotalCount, CancellationToken cancellationToken);

    Task<MutationPayload> CreateAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    Task<MutationPayload> DeleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken);

    /// <summary>
    /// The records of this type that hold a reference to record <paramref name="targetId"/> of
    /// <paramref name="targetType"/> (by a reference field or a custom CRM link) and may let go of
    /// it (at most <paramref name="max"/> + 1 of them), and the fields that refuse its deletion with
    /// how many records hold it there.
    /// </summary>
    Task<ReferenceScan> FindReferencesAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Clears every reference to record <paramref name="targetId"/> of <paramref name="targetType"/>
    /// in the records <paramref name="recordIds"/> (locked first): its fields, and its link lists of
    /// <paramref name="relations"/> (each through the relation's input field, without the target),
    /// as updates on the actor's behalf with their "updated" events. Saves within the scope's
    /// transaction; returns why a record could not let go (a mandatory field, say), and the caller
    /// rolls back.
    /// </summary>
    Task<IReadOnlyList<UserError>> DetachReferencesAsync(IServiceProvider services, string targetType, long targetId, IReadOnlyCollection<long> recordIds,
        IReadOnlyList<CrmRelationDefinition> relations, CancellationToken cancellationToken);

    /// <summary>
    /// The records of this type whose reference field <paramref name="fieldName"/> names each of
    /// <paramref name="targetIds"/>, at most <paramref name="perTarget"/> per target (oldest first),
    /// of those the actor may read: in one statement.
    /// </summary>
    Task<ILookup<long, object>> LoadReferringAsync(IServiceProvider services, string fieldName, IReadOnlyCollection<long> targetIds, int perTarget, CancellationToken cancellationToken);

    /// <summary>The fields whose values make the record's title (see <see cref="EntityBuilder{TRecord}.Title"/>); empty when it has none.</summary>
    IReadOnlyList<EntityField> TitleFields { get; }

    /// <summary>What the record is called where other records show or search it; null when it has no title.</summary>
    string? TitleOf(object record);

    /// <summary>The links whose titles the type's search includes, as declared (<see cref="EntityBuilder{TRecord}.SearchIncludes"/>).</summary>
    IReadOnlyList<string> SearchLinkNames { get; }

    /// <summary>The record types whose titles this type's search includes.</summary>
    IReadOnlyCollection<string> SearchLinkTargets(IServiceProvider services);

    /// <summary>
    /// Rewrites the linked titles that <c>search</c> finds the records <paramref name="ids"/> by,
    /// from their links and the linked records as they are now (all of them, whoever may read them).
    /// </summary>
    Task RefreshSearchLinksAsync(IServiceProvider services, IReadOnlyCollection<long> ids, CancellationToken cancellationToken);

    /// <summary>
    /// After the title of record <paramref name="targetId"/> of <paramref name="targetType"/> changed:
    /// refreshes the linked titles of every record of this type that links to it, in batches;
    /// returns how many records it refreshed.
    /// </summary>
    Task<int> RefreshSearchLinksToAsync(IServiceProvider services, string targetType, long targetId, CancellationToken cancellationToken);

    /// <summary>How many records hold <paramref name="value"/> of list <paramref name="listId"/>.</summary>
    Task<int> CountListValueAsync(IServiceProvider services, string listId, string value, CancellationToken cancellationToken);

    /// <summary>Moves every record holding <paramref name="from"/> to <paramref name="to"/>, each with its "updated" event.</summary>
    Task<int> ReplaceListValueAsync(IServiceProvider services, string listId, string from, string to, CancellationToken cancellationToken);
}

/// <summary>What holds a record about to be deleted, in records of one type.</summary>
public sealed record ReferenceScan(IReadOnlyList<long> RecordIds, IReadOnlyList<(string Field, int Count)> Refusing)
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
    string? Search = null);

/// <summary>
/// Declares a CRM record type: its fields, how it is stored, and hooks for what is special about
/// it. From this alone the SDK gives it a GraphQL type, filters, sorting, cursor paging, create/
/// update/delete with validation, batched loading and a place in the entity registry. Register
/// nothing by hand: the host finds definitions in the module by convention.
/// </summary>
public abstract partial class CrmEntityDefinition<TRecord, TContext> : ICrmEntityDefinition
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    private readonly Dictionary<string, EntityField> _fields;
    private int _modelBound;
    private bool? _isPostgres;
    private readonly IReadOnlyList<LambdaExpression> _partition;

    /// <param name="name">The record type's key, e.g. "quote": unique among every module's types (a second module claiming it is refused).</param>
    protected CrmEntityDefinition(string name)
    {
        Name = name;
        TypeId = Bitrix24TypeIds.Of(name);
        var builder = new EntityBuilder<TRecord>();
        var record = Expression.Parameter(typeof(TRecord), "record");
        builder.Field(Expression.Lambda<Func<TRecord, long>>(Expression.Property(record, nameof(ICrmRecord.Id)), record))
            .AsId().ReadOnly().Describe("The record's id.");
        Configure(builder);
        _fields = builder.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        InputOnlyFields = builder.InputFields;
        Description = builder.Description;
        GraphTypeName = builder.GraphTypeName ?? char.ToUpperInvariant(name[0]) + name[1..];
        PluralName = builder.PluralName ?? name + "s";
        _partition = builder.PermissionPartitions;
        PermissionActions = [.. StandardActions, .. builder.Actions];
        PermissionPartitionFields = _partition.Select(f => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(((MemberExpression)f.Body).Member.Name)).ToList();
        TitleFields = TitleFieldsOf(builder);
        SearchLinkNames = builder.SearchLinks;
    }

    public string Name { get; }

    public int? TypeId { get; }

    public string GraphTypeName { get; }

    public string PluralName { get; }

    public string? Description { get; }

    public Type RecordType => typeof(TRecord);

    /// <summary>The built-in fields, without custom fields.</summary>
    public IReadOnlyDictionary<string, EntityField> Fields => _fields;

    public bool SupportsCustomFields => typeof(ICustomizableRecord).IsAssignableFrom(typeof(TRecord));

    public IReadOnlyDictionary<string, EntityField> FieldsFor(CustomFieldSnapshot snapshot)
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
    protected IReadOnlyDictionary<string, EntityField> FieldsOf(IServiceProvider services)
    {
        _isPostgres ??= services.GetRequiredService<TContext>().IsPostgres;
        return FieldsFor(CustomFieldScope.Of(services));
    }

    public IReadOnlyList<InputOnlyField> InputOnlyFields { get; }

    protected abstract void Configure(EntityBuilder<TRecord> entity);

    /// <summary>The records a read starts from; the actor's rights narrow it further, below every module.</summary>
    protected virtual IQueryable<TRecord> ReadQuery(TContext db) => db.Set<TRecord>().AsNoTracking();

    /// <summary>The tracked record an update or delete works on; include what the hooks change.</summary>
    protected virtual IQueryable<TRecord> WriteQuery(TContext db) => db.Set<TRecord>();

    /// <summary>
    /// Validates and applies what the generic field handling does not (links, derived values).
    /// Runs even when fields already failed, so that every problem is reported at once; change
    /// nothing beyond the record when <see cref="MutationContext{TRecord, TContext}.HasErrors"/>.
    /// </summary>
    protected virtual Task ApplyInputAsync(MutationContext<TRecord, TContext> mutation) => Task.CompletedTask;

    protected virtual Task OnDeletingAsync(TRecord record, TContext db, CancellationToken cancellationToken) => Task.CompletedTask;

    private static AccessRights RightsOf(IServiceProvider services) =>
        // No actor at all is no rights: outside a request, work acts as the system only in a system scope.
        services.GetService<ICurrentActor>()?.Rights ?? AccessRights.Nothing;

    /// <summary>The records of <paramref name="query"/> the actor may act on: every read, update and delete starts here.</summary>
    private IQueryable<TRecord> Reachable(IQueryable<TRecord> query, IServiceProvider services, PermissionAction action) =>
        AccessFilter.For<TRecord>(RightsOf(services), Name, action, _partition) is { } filter ? query.Where(filter) : query;

    /// <summary>Whether a record about to be written is within the actor's reach (a new assignee, a pipeline moved to).</summary>
    private bool Allows(TRecord record, IServiceProvider services, PermissionAction action) =>
        AccessFilter.For<TRecord>(RightsOf(services), Name, action, _partition) is not { } filter || filter.Compile()(record);

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

    public bool ReachesAll(IServiceProvider services, PermissionAction action) =>
        AccessFilter.ReachesAll(RightsOf(services), Name, action, _partition);

    public async Task<bool> ReachesAsync(IServiceProvider services, long id, PermissionAction action, CancellationToken cancellationToken) =>
        await Reachable(services.GetRequiredService<TContext>().Set<TRecord>().AsNoTracking(), services, action).AnyAsync(r => r.Id == id, cancellationToken);

    private UserError Hidden(long id, string verb) =>
        Refusals.Forbidden(verb, Name, id, "id");

    public void BindModel(IServiceProvider rootServices)
    {
        if (Interlocked.Exchange(ref _modelBound, 1) == 1)
        {
            return;
        }

        using var scope = rootServices.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
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

    public async Task<IReadOnlyDictionary<long, object>> LoadByIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<long, object>();
        }

        var db = requestServices.GetRequiredService<TContext>();
        var idList = ids.ToList();
        var records = await Reachable(ReadQuery(db), requestServices, PermissionAction.Read).Where(r => idList.Contains(r.Id)).ToListAsync(cancellationToken);
        return records.ToDictionary(r => r.Id, r => (object)r);
    }

    public async Task<object?> GetAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        return await Reachable(ReadQuery(db), services, PermissionAction.Read).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
    }

    public async Task<Connection> ListAsync(IServiceProvider services, ListArguments arguments, bool withTotalCount, CancellationToken cancellationToken)
    {
        arguments = WithCurrentNames(arguments);
        var limits = services.GetRequiredService<QueryLimits>();
        var db = services.GetRequiredService<TContext>();
        var dialect = SqlDialect.For(db);

        if (arguments.First is not null && arguments.Last is not null)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, "Give either 'first' or 'last', not both.");
        }

        var size = arguments.First ?? arguments.Last ?? limits.DefaultPageSize;
        if (size < 0)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, $"'{(arguments.First is null ? "last" : "first")}' cannot be negative.");
        }

        if (size > limits.MaxPageSize)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"Page size {size} exceeds the limit of {limits.MaxPageSize}.");
        }

        if (AccessFilter.ReachesNone(RightsOf(services), Name, PermissionAction.Read))
        {
            throw ErrorCodes.Error(ErrorCodes.Forbidden, Refusals.MayNotAny("read", PluralName));
        }

        var fields = FieldsOf(services);
        var query = Reachable(ReadQuery(db), services, PermissionAction.Read);
        if (arguments.Where is { Count: > 0 } where)
        {
            query = query.Where(FilterCompiler.Compile<TRecord>(where, fields, dialect, limits));
        }

        if (!string.IsNullOrWhiteSpace(arguments.Search))
        {
            FilterLimits.CheckSearch(arguments.Search, limits);
            query = ApplySearch(query, arguments.Search, dialect);
        }

        int? total = withTotalCount ? await query.CountAsync(cancellationToken) : null;

        var keys = SortKeys(arguments.Order, fields);
        var reversed = keys.Select(k => k.Reversed()).ToList();
        if (arguments.After is { } after)
        {
            query = query.Where(Paging.After<TRecord>(keys, Paging.DecodeCursor(after, keys, "after"), dialect));
        }

        if (arguments.Before is { } before)
        {
            query = query.Where(Paging.After<TRecord>(reversed, Paging.DecodeCursor(before, keys, "before"), dialect));
        }

        var forward = arguments.Last is null;
        var order = forward ? keys : reversed;
        var page = SplitByIndexedValues(query, arguments.Where, order, dialect, db, size + 1, fields)
            ?? Paging.OrderBy(query, order, dialect).Take(size + 1);
        var rows = await page.ToListAsync(cancellationToken);
        var hasMore = rows.Count > size;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (!forward)
        {
            rows.Reverse();
        }

        var edges = rows.Select(r => new Edge(Paging.EncodeCursor(keys, r), r)).ToList();
        return new Connection
        {
            Edges = edges,
            TotalCount = total,
            PageInfo = new PageInfo(
                HasNextPage: forward ? hasMore : arguments.Before is not null,
                HasPreviousPage: forward ? arguments.After is not null : hasMore,
                StartCursor: edges.FirstOrDefault()?.Cursor,
                EndCursor: edges.LastOrDefault()?.Cursor),
        };
    }

    /// <summary>
    /// "The largest deals of these two stages": PostgreSQL cannot read an index on (stage,
    /// amount) in amount order across several stages, so it would read every matching row to
    /// keep a page. When the filter lists a few values of an index's first column and the order
    /// starts with its second, the page is read per value — each an ordered index range that
    /// stops after a page — and the parts are merged (UNION ALL, then the page of the union).
    /// Null when the shape does not fit. SQLite plans such queries well enough as they are.
    /// </summary>
    private IQueryable<TRecord>? SplitByIndexedValues(
        IQueryable<TRecord> query, IReadOnlyDictionary<string, object?>? where, IReadOnlyList<OrderKey> order, SqlDialect dialect, TContext db, int take,
        IReadOnlyDictionary<string, EntityField> fields)
    {
        const int maxParts = 16;
        if (dialect != SqlDialect.Postgres || where is null || order.Count == 0)
        {
            return null;
        }

        var entityType = db.Model.FindEntityType(typeof(TRecord));
        foreach (var (name, condition) in where)
        {
            if (!fields.TryGetValue(name, out var field) || field.Custom is not null || order[0].Field.Custom is not null
                || condition is not IDictionary<string, object?> operators
                || operators.Count != 1 || !operators.TryGetValue("in", out var list) || list is not System.Collections.IEnumerable values || list is string)
            {
                continue;
            }

            var indexed = entityType?.GetIndexes().Any(index => index.Properties.Count >= 2
                && index.Properties[0].Name == field.Property.Name
                && index.Properties[1].Name == order[0].Field.Property.Name) == true;
            var distinct = values.Cast<object?>().Where(v => v is not null).Distinct().ToList();
            if (!indexed || distinct.Count is < 2 or > maxParts)
            {
                continue;
            }

            IQueryable<TRecord>? union = null;
            foreach (var value in distinct)
            {
                var equal = FilterCompiler.Compile<TRecord>(new Dictionary<string, object?> { [name] = new Dictionary<string, object?> { ["eq"] = value } }, fields, dialect);
                var part = Paging.OrderBy(query.Where(equal), order, dialect).Take(take);
                union = union is null ? part : union.Concat(part);
            }

            return Paging.OrderBy(union!, order, dialect).Take(take);
        }

        return null;
    }

    /// <summary>Whether lists of this type take a <c>search</c> argument.</summary>
    public bool Searchable => typeof(ISearchableRecord).IsAssignableFrom(typeof(TRecord));

    private IQueryable<TRecord> ApplySearch(IQueryable<TRecord> query, string search, SqlDialect dialect)
    {
        if (!Searchable)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, $"{PluralName} cannot be searched.");
        }

        var record = Expression.Parameter(typeof(TRecord), "record");
        foreach (var term in SearchText.Terms(search))
        {
            var pattern = "%" + SqlDialect.EscapeLikePattern(term) + "%";
            query = query.Where(Expression.Lambda<Func<TRecord, bool>>(SearchCondition(record, Parameter.Of(pattern, typeof(string)), dialect), record));
        }

        return query;
    }

    private static List<OrderKey> SortKeys(IReadOnlyList<IReadOnlyDictionary<string, object?>>? order, IReadOnlyDictionary<string, EntityField> fields)
    {
        var keys = new List<OrderKey>();
        foreach (var item in order ?? [])
        {
            foreach (var (name, direction) in item)
            {
                if (direction is null)
                {
                    continue;
                }

                if (!fields.TryGetValue(name, out var field) || !field.Sortable)
                {
                    throw ErrorCodes.Error(ErrorCodes.Validation, $"'order.{name}' is not a sortable field.");
                }

                if (keys.Any(k => k.Field == field))
                {
                    continue;
                }

                keys.Add(new OrderKey(field, direction is SortDirection d ? d : Enum.Parse<SortDirection>(direction.ToString()!, ignoreCase: true)));
            }
        }

        var id = fields["id"];
        if (keys.All(k => k.Field != id))
        {
            keys.Add(new OrderKey(id, SortDirection.Ascending));
        }

        return keys;
    }

    private UserError NotFound(long id) =>
        Refusals.NotFound(Name, id, "id");
}
