using System.Globalization;
using System.Linq.Expressions;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
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
    }

    public string Name { get; }

    public int TypeId { get; }

    public string GraphTypeName { get; }

    public string PluralName { get; }

    public string? Description { get; }

    public Type RecordType => typeof(TRecord);

    public IReadOnlyDictionary<string, EntityField> Fields => _fields;

    public IReadOnlyList<InputOnlyField> InputOnlyFields { get; }

    protected abstract void Configure(EntityBuilder<TRecord> entity);

    /// <summary>The records a read starts from. Access rights will narrow it here, below every module.</summary>
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

    public void BindModel(IServiceProvider rootServices)
    {
        if (Interlocked.Exchange(ref _modelBound, 1) == 1)
        {
            return;
        }

        using var scope = rootServices.CreateScope();
        var entityType = scope.ServiceProvider.GetRequiredService<TContext>().Model.FindEntityType(typeof(TRecord));
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
        var records = await ReadQuery(db).Where(r => idList.Contains(r.Id)).ToListAsync(cancellationToken);
        return records.ToDictionary(r => r.Id, r => (object)r);
    }

    public async Task<object?> GetAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        return await ReadQuery(db).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
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

        var query = ReadQuery(db);
        if (arguments.Where is { Count: > 0 } where)
        {
            query = query.Where(FilterCompiler.Compile<TRecord>(where, _fields, dialect));
        }

        if (!string.IsNullOrWhiteSpace(arguments.Search))
        {
            query = ApplySearch(query, arguments.Search, dialect);
        }

        int? total = withTotalCount ? await query.CountAsync(cancellationToken) : null;

        var keys = SortKeys(arguments.Order);
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
        var page = SplitByIndexedValues(query, arguments.Where, order, dialect, db, size + 1)
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
        IQueryable<TRecord> query, IReadOnlyDictionary<string, object?>? where, IReadOnlyList<OrderKey> order, SqlDialect dialect, TContext db, int take)
    {
        const int maxParts = 16;
        if (dialect != SqlDialect.Postgres || where is null || order.Count == 0)
        {
            return null;
        }

        var entityType = db.Model.FindEntityType(typeof(TRecord));
        foreach (var (name, condition) in where)
        {
            if (!_fields.TryGetValue(name, out var field) || condition is not IDictionary<string, object?> operators
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
                var equal = FilterCompiler.Compile<TRecord>(new Dictionary<string, object?> { [name] = new Dictionary<string, object?> { ["eq"] = value } }, _fields, dialect);
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

    private List<OrderKey> SortKeys(IReadOnlyList<IReadOnlyDictionary<string, object?>>? order)
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

                if (!_fields.TryGetValue(name, out var field) || !field.Sortable)
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

        var id = _fields["id"];
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
        InputBinder.Apply(record, _fields.Values, input, isCreate: true, errors);
        // The hook runs even after field errors, so that one answer lists every problem.
        await ApplyInputAsync(new MutationContext<TRecord, TContext>(record, db, input, isCreate: true, services, errors, cancellationToken));
        await ValidateLinksAsync(record, _ => true, services, errors, cancellationToken);

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
        var record = await WriteQuery(db).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (record is null)
        {
            return new MutationPayload(null, [NotFound(id)]);
        }

        var errors = new List<UserError>();
        InputBinder.Apply(record, _fields.Values, input, isCreate: false, errors);
        await ApplyInputAsync(new MutationContext<TRecord, TContext>(record, db, input, isCreate: false, services, errors, cancellationToken));
        await ValidateLinksAsync(record, field => db.Entry(record).Property(field.Property.Name).IsModified, services, errors, cancellationToken);

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
        var record = await WriteQuery(db).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (record is null)
        {
            return new MutationPayload(null, [NotFound(id)]);
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
    private async Task ValidateLinksAsync(TRecord record, Func<EntityField, bool> written, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        foreach (var group in _fields.Values.Where(f => f.ReferenceType is not null && f.Get(record) is not null && written(f)).GroupBy(f => f.ReferenceType!))
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

        var listFields = _fields.Values.Where(f => f.ListOf is not null && f.Get(record) is not null && written(f)).ToList();
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
