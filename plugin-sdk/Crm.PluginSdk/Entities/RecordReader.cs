using Crm.PluginSdk.Modules;
using System.Linq.Expressions;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Reads: records by id, and lists filtered, searched, sorted and paged by cursor, always within
/// the actor's read rights and the limits of <see cref="QueryLimits"/>.
/// </summary>
internal sealed class RecordReader<TRecord, TContext>(
    CrmEntityDefinition<TRecord, TContext> definition, RecordAccess<TRecord> access, SearchLinks<TRecord, TContext> searchLinks, FormerFieldNames formerNames)
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    public async Task<IReadOnlyDictionary<long, object>> LoadByIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> ids, RecordProjection? projection, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<long, object>();
        }

        var db = requestServices.GetModuleService<TContext>();
        var loaded = new Dictionary<long, object>(ids.Count);
        if (ReadsWhole(requestServices) && CompiledRecordReads<TRecord, TContext>.TryLoad(db, [.. ids], projection) is { } compiled)
        {
            await foreach (var record in compiled.WithCancellation(cancellationToken))
            {
                loaded[record.Id] = record;
            }

            return loaded;
        }

        var idList = ids.ToList();
        var query = access.Reachable(definition.ReadsFrom(db), requestServices, PermissionAction.Read).Where(r => idList.Contains(r.Id));
        foreach (var record in await RecordProjector<TRecord>.Apply(query, projection, db.Model).ToListAsync(cancellationToken))
        {
            loaded[record.Id] = record;
        }

        return loaded;
    }

    public async Task<object?> GetAsync(IServiceProvider services, long id, RecordProjection? projection, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        if (ReadsWhole(services) && CompiledRecordReads<TRecord, TContext>.TryGet(db, id, projection, cancellationToken, out var compiled))
        {
            return await compiled;
        }

        var query = access.Reachable(definition.ReadsFrom(db), services, PermissionAction.Read).Where(r => r.Id == id);
        return await RecordProjector<TRecord>.Apply(query, projection, db.Model).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// The record by id with the records its selected to-one <paramref name="references"/> name,
    /// joined into its one statement where each can be (<see cref="JoinedRead"/>): a joined record
    /// (or its absence) is handed to the request's loader of its type and projection, so that its
    /// field answers without a statement of its own. A reference that cannot be joined, or a parent
    /// that cannot, loads as before: the parent by itself, the reference in its batch.
    /// </summary>
    public async Task<object?> GetAsync(IServiceProvider services, long id, RecordProjection? projection, IReadOnlyList<SelectedReference> references, CancellationToken cancellationToken)
    {
        if (references.Count == 0 || projection is null || JoinSource(services, projection) is not { } parent)
        {
            return await GetAsync(services, id, projection, cancellationToken);
        }

        var joined = new List<(SelectedReference Selected, JoinedReference Join)>(references.Count);
        foreach (var reference in references)
        {
            if (joined.Count < JoinedRead.MaxJoins && reference.Field.Custom is null && reference.Target.JoinSource(services, reference.Projection) is { } source)
            {
                joined.Add((reference, new JoinedReference(reference.Field.Property.Name, source)));
            }
        }

        if (joined.Count == 0)
        {
            return await GetAsync(services, id, projection, cancellationToken);
        }

        var (record, referenced) = await JoinedRead.ReadAsync(services.GetModuleService<TContext>(), parent, id, [.. joined.Select(j => j.Join)], cancellationToken);
        if (record is not null)
        {
            var registry = services.GetRequiredService<IEntityRegistry>();
            for (var i = 0; i < joined.Count; i++)
            {
                var (field, target, referenceProjection) = joined[i].Selected;
                if (field.Get(record) is { } key)
                {
                    registry.Prime(services, target.Name, referenceProjection, Convert.ToInt64(key, System.Globalization.CultureInfo.InvariantCulture), referenced[i]);
                }
            }
        }

        return record;
    }

    /// <summary>
    /// This type's part in a joined read with <paramref name="projection"/>'s columns; null when its
    /// reads cannot be written as SQL over its table: rights that follow its bindings, a read query
    /// narrower than the table (<see cref="CrmEntityDefinition{TRecord, TContext}.ReadsFromWholeTable"/>),
    /// or a property that is not a plain column.
    /// </summary>
    public JoinSource? JoinSource(IServiceProvider services, RecordProjection projection)
    {
        if (access.Bound is not null || !definition.ReadsFromWholeTable)
        {
            return null;
        }

        var model = services.GetModuleService<TContext>().Model;
        return RecordColumns.For<TRecord>(model, projection) is { } columns
            ? new JoinSource(model.FindEntityType(typeof(TRecord))!, access.FilterOf(services, PermissionAction.Read), columns)
            : null;
    }

    /// <summary>
    /// Whether a read by id reaches every row of the type's table: the actor's rights leave every
    /// record (no filter) and the type reads from its whole table (<see cref="CrmEntityDefinition{TRecord, TContext}.ReadsFromWholeTable"/>).
    /// Then it may take the compiled query; otherwise its rights must be composed into the query.
    /// </summary>
    private bool ReadsWhole(IServiceProvider services) =>
        definition.ReadsFromWholeTable && access.FilterFor(services, PermissionAction.Read) is null;

    public async Task<Connection> ListAsync(IServiceProvider services, ListArguments arguments, bool withTotalCount, RecordProjection? projection, CancellationToken cancellationToken)
    {
        arguments = formerNames.WithCurrentNames(arguments);
        var limits = services.GetRequiredService<QueryLimits>();
        var db = services.GetModuleService<TContext>();
        var dialect = SqlDialect.For(db);

        if (arguments.First is not null && arguments.Last is not null)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, "Give either 'first' or 'last', not both.");
        }

        var size = limits.PageSize(arguments.First ?? arguments.Last, arguments.Last is not null ? "last" : "first");

        if (access.ReachesNothing(services, PermissionAction.Read))
        {
            throw ErrorCodes.Error(ErrorCodes.Forbidden, Refusals.MayNotAny("read", definition.PluralName));
        }

        var fields = definition.FieldsOf(services);
        var query = Filtered(services, arguments.Where, arguments.Search, arguments.AlsoAllowing);
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
        var page = PerValuePages<TRecord>.Split(query, arguments.Where, order, dialect, db, size + 1, fields)
            ?? Paging.OrderBy(query, order, dialect).Take(size + 1);
        // The cursor of each row is made from its sort keys: they are read whatever is selected.
        var columns = projection?.With(keys.Select(k => k.Field.Property.Name));
        var rows = await RecordProjector<TRecord>.Apply(page, columns, db.Model).ToListAsync(cancellationToken);
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

    /// <summary>A filter and an order compiled as <see cref="ListAsync"/> would, and thrown away: the first problem throws.</summary>
    public void Check(IServiceProvider services, IReadOnlyDictionary<string, object?>? where, IReadOnlyList<IReadOnlyDictionary<string, object?>>? order)
    {
        var arguments = formerNames.WithCurrentNames(new ListArguments(where, order, null, null, null, null));
        var fields = definition.FieldsOf(services);
        if (arguments.Where is { Count: > 0 })
        {
            FilterCompiler.Compile<TRecord>(arguments.Where, fields, SqlDialect.For(services.GetModuleService<TContext>()), services.GetRequiredService<QueryLimits>());
        }

        SortKeys(arguments.Order, fields);
    }

    /// <summary>
    /// The records the actor may read that match <paramref name="where"/> and <paramref name="search"/>:
    /// what a list pages through and a summary adds up, so that both see exactly the same records.
    /// </summary>
    public IQueryable<TRecord> Filtered(IServiceProvider services, IReadOnlyDictionary<string, object?>? where, string? search, PermissionAction? alsoAllowing = null)
    {
        var limits = services.GetRequiredService<QueryLimits>();
        var db = services.GetModuleService<TContext>();
        var dialect = SqlDialect.For(db);
        var query = access.Reachable(definition.ReadsFrom(db), services, PermissionAction.Read);
        if (alsoAllowing is { } action && action != PermissionAction.Read)
        {
            query = access.Reachable(query, services, action);
        }

        if (where is { Count: > 0 })
        {
            query = query.Where(FilterCompiler.Compile<TRecord>(where, definition.FieldsOf(services), dialect, limits));
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            FilterLimits.CheckSearch(search, limits);
            query = ApplySearch(query, search, dialect);
        }

        return query;
    }

    private IQueryable<TRecord> ApplySearch(IQueryable<TRecord> query, string search, SqlDialect dialect)
    {
        if (!definition.Searchable)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, $"{definition.PluralName} cannot be searched.");
        }

        var record = Expression.Parameter(typeof(TRecord), "record");
        foreach (var term in SearchText.Terms(search))
        {
            var pattern = "%" + SqlDialect.EscapeLikePattern(term) + "%";
            query = query.Where(Expression.Lambda<Func<TRecord, bool>>(searchLinks.SearchCondition(record, Parameter.Of(pattern, typeof(string)), dialect), record));
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
}
