using System.Globalization;
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

    /// <summary>How many records hold <paramref name="value"/> of list <paramref name="listId"/>.</summary>
    Task<int> CountListValueAsync(IServiceProvider services, string listId, string value, CancellationToken cancellationToken);

    /// <summary>Moves every record holding <paramref name="from"/> to <paramref name="to"/>, each with its "updated" event.</summary>
    Task<int> ReplaceListValueAsync(IServiceProvider services, string listId, string from, string to, CancellationToken cancellationToken);
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
public abstract class CrmEntityDefinition<TRecord, TContext> : ICrmEntityDefinition
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    private readonly Dictionary<string, EntityField> _fields;
    private int _modelBound;
    private bool? _isPostgres;
    private readonly IReadOnlyList<LambdaExpression> _partition;

    protected CrmEntityDefinition(string name, int typeId)
    {
        Name = name;
        TypeId = typeId;
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
        PermissionPartitionFields = _partition.Select(f => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(((MemberExpression)f.Body).Member.Name)).ToList();
    }

    public string Name { get; }

    public int TypeId { get; }

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
        services.GetService<ICurrentActor>()?.Rights ?? AccessRights.Everything(0);

    /// <summary>The records of <paramref name="query"/> the actor may act on: every read, update and delete starts here.</summary>
    private IQueryable<TRecord> Reachable(IQueryable<TRecord> query, IServiceProvider services, PermissionAction action) =>
        AccessFilter.For<TRecord>(RightsOf(services), Name, action, _partition) is { } filter ? query.Where(filter) : query;

    /// <summary>Whether a record about to be written is within the actor's reach (a new assignee, a pipeline moved to).</summary>
    private bool Allows(TRecord record, IServiceProvider services, PermissionAction action) =>
        AccessFilter.For<TRecord>(RightsOf(services), Name, action, _partition) is not { } filter || filter.Compile()(record);

    public IReadOnlyList<string> PermissionPartitionFields { get; }

    public bool ReachesAll(IServiceProvider services, PermissionAction action) =>
        AccessFilter.ReachesAll(RightsOf(services), Name, action, _partition);

    public async Task<bool> ReachesAsync(IServiceProvider services, long id, PermissionAction action, CancellationToken cancellationToken) =>
        await Reachable(services.GetRequiredService<TContext>().Set<TRecord>().AsNoTracking(), services, action).AnyAsync(r => r.Id == id, cancellationToken);

    private UserError Hidden(long id, string verb) =>
        UserError.At(ErrorCodes.Forbidden, $"You may not {verb} {Name} {id.ToString(CultureInfo.InvariantCulture)}, or there is no such {Name}.", "id");

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
            throw ErrorCodes.Error(ErrorCodes.Forbidden, $"You may not read {PluralName}.");
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
            query = query.Where(Paging.After<TRecord>(keys, Paging.DecodeCursor(after, keys, "after")));
        }

        if (arguments.Before is { } before)
        {
            query = query.Where(Paging.After<TRecord>(reversed, Paging.DecodeCursor(before, keys, "before")));
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
        var content = Expression.Call(typeof(EF), nameof(EF.Property), [typeof(string)], record, Expression.Constant(SearchText.Column));
        foreach (var term in SearchText.Terms(search))
        {
            var pattern = "%" + SqlDialect.EscapeLikePattern(term) + "%";
            query = query.Where(Expression.Lambda<Func<TRecord, bool>>(dialect.Like(content, Parameter.Of(pattern, typeof(string))), record));
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

    public async Task<MutationPayload> CreateAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        var record = new TRecord();
        var errors = new List<UserError>();
        var fields = FieldsOf(services);
        InputBinder.Apply(record, fields.Values, input, isCreate: true, errors);
        // The hook runs even after field errors, so that one answer lists every problem.
        await ApplyInputAsync(new MutationContext<TRecord, TContext>(record, db, input, isCreate: true, services, errors, cancellationToken));
        await ValidateLinksAsync(record, fields, _ => true, services, errors, cancellationToken);
        var actor = services.GetService<ICurrentActor>();
        if (record is IOwnedRecord { AssignedById: null } owned && actor is { IsAdministrator: false, UserId: { } me })
        {
            // Bitrix24's rule: a new record is its author's unless given to someone else.
            owned.AssignedById = me;
        }

        if (errors.Count == 0 && !Allows(record, services, PermissionAction.Add))
        {
            errors.Add(AccessFilter.ReachesNone(RightsOf(services), Name, PermissionAction.Add)
                ? UserError.At(ErrorCodes.Forbidden, $"You may not add {PluralName}.")
                : UserError.At(ErrorCodes.Forbidden, $"You may not add a {Name} assigned to that user{(_partition.Count == 0 ? "" : " here")}.", "input", "assignedById"));
        }

        if (errors.Count > 0)
        {
            return new MutationPayload(null, errors);
        }

        db.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        return new MutationPayload(record, errors);
    }

    public async Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        var record = await Reachable(WriteQuery(db), services, PermissionAction.Update).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (record is null)
        {
            return new MutationPayload(null, [ReachesAll(services, PermissionAction.Update) ? NotFound(id) : Hidden(id, "change")]);
        }

        var errors = new List<UserError>();
        var fields = FieldsOf(services);
        InputBinder.Apply(record, fields.Values, input, isCreate: false, errors);
        await ApplyInputAsync(new MutationContext<TRecord, TContext>(record, db, input, isCreate: false, services, errors, cancellationToken));
        db.ChangeTracker.DetectChanges();
        await ValidateLinksAsync(record, fields,
            field => field.Custom is null ? db.Entry(record).Property(field.Property.Name).IsModified : input.ContainsKey(field.Name),
            services, errors, cancellationToken);
        if (errors.Count == 0 && !Allows(record, services, PermissionAction.Update))
        {
            // Reassigning (or moving) a record out of one's own reach is refused.
            errors.Add(UserError.At(ErrorCodes.Forbidden, $"You may not give this {Name} to that user{(_partition.Count == 0 ? "" : " or move it there")}.", "input", "assignedById"));
        }

        if (errors.Count > 0)
        {
            // Leave nothing behind for a later save in the same request.
            db.ChangeTracker.Clear();
            return new MutationPayload(null, errors);
        }

        await db.SaveChangesAsync(cancellationToken);
        return new MutationPayload(record, errors);
    }

    public async Task<MutationPayload> DeleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        var record = await Reachable(WriteQuery(db), services, PermissionAction.Delete).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (record is null)
        {
            return new MutationPayload(null, [ReachesAll(services, PermissionAction.Delete) ? NotFound(id) : Hidden(id, "delete")]);
        }

        await OnDeletingAsync(record, db, cancellationToken);
        db.Remove(record);
        await db.SaveChangesAsync(cancellationToken);
        return new MutationPayload(null, [], id);
    }

    /// <summary>
    /// Ids of other records must name records that exist, and list values items of their list:
    /// checked for the fields a write sets, one query per referenced type or list.
    /// </summary>
    private static async Task ValidateLinksAsync(TRecord record, IReadOnlyDictionary<string, EntityField> fields, Func<EntityField, bool> written, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        await ValidateCustomLinksAsync(record, fields.Values.Where(f => f.Custom is not null && written(f)).ToList(), registry, services, errors, cancellationToken);
        foreach (var group in fields.Values.Where(f => f.Custom is null).Where(f => f.ReferenceType is not null && f.Get(record) is not null && written(f)).GroupBy(f => f.ReferenceType!))
        {
            var type = registry.Find(group.Key);
            var ids = group.Select(f => Convert.ToInt64(f.Get(record), CultureInfo.InvariantCulture)).Distinct().ToList();
            var found = type is null ? new Dictionary<long, object>() : await type.LoadByIdsAsync(services, ids, cancellationToken);
            foreach (var field in group)
            {
                var id = Convert.ToInt64(field.Get(record), CultureInfo.InvariantCulture);
                if (!found.ContainsKey(id))
                {
                    errors.Add(UserError.At(ErrorCodes.NotFound, $"There is no {group.Key} with id {id.ToString(CultureInfo.InvariantCulture)}.", "input", field.Name));
                }
            }
        }

        var listFields = fields.Values.Where(f => f.ListOf is not null && f.Get(record) is not null && written(f)).ToList();
        if (listFields.Count == 0)
        {
            return;
        }

        var lists = services.GetService<Lists.ISelectionLists>();
        foreach (var field in listFields)
        {
            var listId = field.ListOf!(record);
            var value = (string)field.Get(record)!;
            var items = lists is null ? [] : await lists.GetItemsAsync(listId, cancellationToken);
            if (!items.Any(i => i.Id == value))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{value}' is not an item of the selection list {listId}.", "input", field.Name));
            }
        }
    }

    /// <summary>
    /// Links in custom fields must name records that exist (CRM links by their type, employees as
    /// active users): one query per referenced type.
    /// </summary>
    private static async Task ValidateCustomLinksAsync(TRecord record, IReadOnlyList<EntityField> written, IEntityRegistry registry, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        var references = new List<(EntityField Field, string Type, long Id)>();
        foreach (var field in written)
        {
            var spec = field.Custom!;
            var stored = ((ICustomizableRecord)record).CustomFields[spec.Code];
            var nodes = stored is System.Text.Json.Nodes.JsonArray array ? array.ToList() : [stored];
            foreach (var node in nodes.Where(n => n is not null))
            {
                if (spec.Type == CustomFieldType.Crm && CrmRecordReference.Parse(node!.GetValue<string>()) is { } link)
                {
                    references.Add((field, link.EntityType, link.Id));
                }
                else if (spec.Type == CustomFieldType.Employee)
                {
                    references.Add((field, "user", node!.GetValue<long>()));
                }
            }
        }

        // Employees are users: those the rights provider knows as active (when users are managed at all).
        if (services.GetService<IAccessRightsProvider>() is { } users)
        {
            foreach (var (field, _, id) in references.Where(r => r.Type == "user").DistinctBy(r => (r.Field.Name, r.Id)).ToList())
            {
                if (await users.RightsAsync(id, cancellationToken) is null)
                {
                    errors.Add(UserError.At(ErrorCodes.NotFound, $"'{field.Name}': there is no active user with id {id.ToString(CultureInfo.InvariantCulture)}.", "input", field.Name));
                }
            }
        }

        foreach (var group in references.Where(r => r.Type != "user").GroupBy(r => r.Type))
        {
            var type = registry.Find(group.Key);
            var found = type is null ? new Dictionary<long, object>() : await type.LoadByIdsAsync(services, group.Select(r => r.Id).Distinct().ToList(), cancellationToken);
            foreach (var (field, entityType, id) in group.Where(r => !found.ContainsKey(r.Id)).DistinctBy(r => (r.Field.Name, r.Id)))
            {
                errors.Add(UserError.At(ErrorCodes.NotFound, $"'{field.Name}': there is no {entityType} with id {id.ToString(CultureInfo.InvariantCulture)}.", "input", field.Name));
            }
        }
    }

    // The SQL below names tables and columns from the EF model and field codes checked against
    // UF_CRM_[A-Z0-9_]+; values travel as parameters.
#pragma warning disable EF1002
    private (string Table, string Column, bool IsPostgres) CustomStorage(TContext db)
    {
        var entityType = db.Model.FindEntityType(typeof(TRecord)) ?? throw new InvalidOperationException($"{typeof(TRecord).Name} is not part of {typeof(TContext).Name}.");
        var column = entityType.FindProperty(nameof(ICustomizableRecord.CustomFields))?.GetColumnName()
            ?? throw new InvalidOperationException($"{Name} takes no custom fields.");
        var table = entityType.GetTableName()!;
        var schema = entityType.GetSchema();
        return (db.IsPostgres ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"", column, db.IsPostgres);
    }

    public async Task<int> CountCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        var (table, column, isPostgres) = CustomStorage(db);
        var holds = isPostgres ? $"jsonb_exists({column}, {{0}})" : $"json_type({column}, '$.' || {{0}}) IS NOT NULL";
        return await db.Database.SqlQueryRaw<int>($"SELECT CAST(count(*) AS integer) AS \"Value\" FROM {table} WHERE {holds}", code).SingleAsync(cancellationToken);
    }

    public async Task<int> ClearCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        var (table, column, isPostgres) = CustomStorage(db);
        var sql = isPostgres
            ? $"UPDATE {table} SET {column} = {column} - {{0}} WHERE jsonb_exists({column}, {{0}})"
            : $"UPDATE {table} SET {column} = json_remove({column}, '$.' || {{0}}) WHERE json_type({column}, '$.' || {{0}}) IS NOT NULL";
        return await db.Database.ExecuteSqlRawAsync(sql, [code], cancellationToken);
    }

    public async Task SyncCustomFieldIndexesAsync(IServiceProvider services, IReadOnlyList<CustomFieldSpec> fields, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        var entityType = db.Model.FindEntityType(typeof(TRecord))!;
        var tableName = entityType.GetTableName()!;
        var (table, column, isPostgres) = CustomStorage(db);
        var idColumn = entityType.FindProperty(nameof(ICrmRecord.Id))!.GetColumnName();
        // SQLite's indexes stay on its own json_extract: an index on a function registered by the
        // platform would break writes from any other program that opens the file.
        // Multiple fields get a GIN index on their list (PostgreSQL only), which containment uses.
        var wanted = fields.Where(f => f.Filterable && f.EntityType == Name
                && (f.Multiple ? isPostgres && CustomFieldSql.ContainmentServes(f.Type) : isPostgres || f.Type != CustomFieldType.Address))
            .ToDictionary(f => CustomFieldSql.IndexName(tableName, f), f => f, StringComparer.Ordinal);
        var existing = isPostgres
            ? await db.Database.SqlQueryRaw<string>(
                """
                SELECT c.relname || CASE WHEN i.indisvalid THEN '' ELSE ' invalid' END AS "Value"
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = {0} AND t.relname = {1} AND c.relname LIKE {2}
                """, entityType.GetSchema()!, tableName, CustomFieldSql.IndexPrefix.Replace("_", "\\_", StringComparison.Ordinal) + "%").ToListAsync(cancellationToken)
            : await db.Database.SqlQueryRaw<string>(
                "SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'index' AND tbl_name = {0} AND name LIKE 'cf\\_%' ESCAPE '\\'",
                tableName).ToListAsync(cancellationToken);

        // CONCURRENTLY keeps the table writable while a large index builds, but cannot run in a transaction.
        var concurrently = isPostgres && db.Database.CurrentTransaction is null
            && services.GetService<CrmDatabaseSession>()?.Transaction is null ? "CONCURRENTLY " : "";
        var schemaPrefix = isPostgres ? $"\"{entityType.GetSchema()}\"." : "";
        foreach (var row in existing)
        {
            var name = row.Split(' ')[0];
            if (!wanted.ContainsKey(name) || row.EndsWith(" invalid", StringComparison.Ordinal))
            {
                await db.Database.ExecuteSqlRawAsync($"DROP INDEX {concurrently}IF EXISTS {schemaPrefix}\"{name}\"", cancellationToken);
                existing = existing.Where(e => e != row).ToList();
            }
        }

        var created = false;
        var timeout = db.Database.GetCommandTimeout();
        // An index over millions of rows takes longer than a query may: no timeout here.
        db.Database.SetCommandTimeout(0);
        try
        {
            foreach (var (name, spec) in wanted)
            {
                if (existing.Any(e => e == name))
                {
                    continue;
                }

                var definition = spec.Multiple
                    ? $"USING gin (({column} -> '{spec.Code}') jsonb_path_ops)"
                    : $"(({CustomFieldSql.KeySql(spec, column, isPostgres)}), \"{idColumn}\")";
                await db.Database.ExecuteSqlRawAsync($"CREATE INDEX {concurrently}IF NOT EXISTS \"{name}\" ON {table} {definition}", cancellationToken);
                created = true;
            }

            // PostgreSQL keeps statistics of an index's expression only after an ANALYZE; without
            // them it guesses how many rows a filter on the new field matches.
            if (created && isPostgres)
            {
                await db.Database.ExecuteSqlRawAsync($"ANALYZE {table}", cancellationToken);
            }
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
        }
    }

#pragma warning restore EF1002

    public async Task<int> CountListValueAsync(IServiceProvider services, string listId, string value, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        var count = 0;
        foreach (var field in _fields.Values.Where(f => f.UsesList(listId)))
        {
            count += await db.Set<TRecord>().CountAsync(HoldsValue(field, value), cancellationToken);
        }

        return count;
    }

    public async Task<int> ReplaceListValueAsync(IServiceProvider services, string listId, string from, string to, CancellationToken cancellationToken)
    {
        const int batchSize = 500;
        var db = services.GetRequiredService<TContext>();
        var moved = 0;
        foreach (var field in _fields.Values.Where(f => f.UsesList(listId)))
        {
            // Tracked, in batches: each moved record gets its "updated" event, like any other change.
            while (true)
            {
                var batch = await WriteQuery(db).Where(HoldsValue(field, from)).OrderBy(r => r.Id).Take(batchSize).ToListAsync(cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }

                foreach (var record in batch)
                {
                    field.Set!(record, to);
                }

                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                moved += batch.Count;
            }
        }

        return moved;
    }

    private static Expression<Func<TRecord, bool>> HoldsValue(EntityField field, string value)
    {
        var record = Expression.Parameter(typeof(TRecord), "record");
        return Expression.Lambda<Func<TRecord, bool>>(
            Expression.Equal(ParameterRebinder.Rebind(field.Accessor, record), Expression.Constant(value, typeof(string))), record);
    }

    private UserError NotFound(long id) =>
        UserError.At(ErrorCodes.NotFound, $"There is no {Name} with id {id.ToString(CultureInfo.InvariantCulture)}.", "id");
}
