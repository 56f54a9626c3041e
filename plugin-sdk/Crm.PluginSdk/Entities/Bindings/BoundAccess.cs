using Crm.PluginSdk.Modules;
using System.Globalization;
using System.Linq.Expressions;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities.Bindings;

/// <summary>The rights and bindings of a record type whose access follows the records it is bound to (see <see cref="EntityBuilder{TRecord}.BoundTo{TBinding}"/>).</summary>
internal interface IBoundAccess<TRecord>
    where TRecord : class, ICrmRecord
{
    BindingDeclaration Declaration { get; }

    /// <summary>The records the actor may act on with <paramref name="action"/>, as a predicate for SQL; null when they reach every record.</summary>
    Expression<Func<TRecord, bool>>? Filter(IServiceProvider services, PermissionAction action);

    /// <summary>Replaces the record's bindings from the input (when given; required on create), refusing what does not exist or may not be read.</summary>
    Task ApplyInputAsync(TRecord record, IReadOnlyDictionary<string, object?> input, bool isCreate, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken);

    /// <summary>Whether the record as it is about to be written stays within the actor's reach for <paramref name="action"/>.</summary>
    Task<bool> AllowsAsync(TRecord record, IServiceProvider services, PermissionAction action, CancellationToken cancellationToken);

    /// <summary>The records holding a binding to record <paramref name="targetId"/> of <paramref name="targetType"/> (at most <paramref name="max"/> + 1).</summary>
    Task<List<long>> BoundToAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken);

    /// <summary>Removes the bindings to that record from the tracked record, unless they are all it has (then returns false and changes nothing).</summary>
    Task<bool> UnbindAsync(TRecord record, string targetType, long targetId, IServiceProvider services, CancellationToken cancellationToken);
}

internal sealed class BoundAccess<TRecord, TContext, TBinding>(string name, BindingDeclaration declaration) : IBoundAccess<TRecord>
    where TRecord : class, ICrmRecord
    where TContext : ModuleDbContext
    where TBinding : class, IRecordBinding, new()
{
    private readonly Func<TRecord, ICollection<TBinding>> _bindings = ((Expression<Func<TRecord, ICollection<TBinding>>>)declaration.Bindings).Compile();

    public BindingDeclaration Declaration => declaration;

    public Expression<Func<TRecord, bool>>? Filter(IServiceProvider services, PermissionAction action)
    {
        var rights = RecordAccess<TRecord>.RightsOf(services);
        if (rights.IsAdministrator)
        {
            return null;
        }

        var db = services.GetModuleService<TContext>();
        var bindingType = db.Model.FindEntityType(typeof(TBinding)) ?? throw new InvalidOperationException($"{typeof(TBinding).Name} is not mapped in {typeof(TContext).Name}.");
        var entityTypeColumn = AccessSql.Column(bindingType, nameof(IRecordBinding.EntityType));
        var entityIdColumn = AccessSql.Column(bindingType, nameof(IRecordBinding.EntityId));
        var parameters = new List<object>();
        var reached = new List<string>();
        // Each bound type's own access filter, in SQL over its own table: one EXISTS per type the
        // actor reaches only partly, a type test alone for a type they reach whole.
        foreach (var type in services.GetRequiredService<IEntityRegistry>().Types.OfType<ICrmEntityDefinition>().Where(t => t.Name != name))
        {
            var condition = type.ReachSql(services, BindingDeclaration.OnBound(action), "crm_t", $"crm_b.\"{entityIdColumn}\"", parameters);
            if (condition is null)
            {
                continue;
            }

            parameters.Add(type.Name);
            var typeTest = $"crm_b.\"{entityTypeColumn}\" = {{{(parameters.Count - 1).ToString(CultureInfo.InvariantCulture)}}}";
            reached.Add(condition.Length == 0 ? typeTest : $"({typeTest} AND {condition})");
        }

        var record = Expression.Parameter(typeof(TRecord), "record");
        Expression allowed = Expression.Constant(false);
        if (services.GetService<ICurrentActor>()?.UserId is > 0 and var me)
        {
            allowed = Expression.Equal(Expression.Property(record, declaration.Responsible), Parameter.Of((long?)me, typeof(long?)));
        }

        if (reached.Count > 0)
        {
#pragma warning disable EF1002 // names from the EF model, values as parameters, user ids as integer literals
            var bindings = db.Set<TBinding>().FromSqlRaw($"SELECT * FROM {AccessSql.Table(bindingType)} AS crm_b WHERE {string.Join(" OR ", reached)}", [.. parameters]);
#pragma warning restore EF1002
            Expression<Func<TRecord, bool>> viaBindings = r => bindings.Any(b => b.RecordId == r.Id);
            allowed = Expression.OrElse(allowed, ParameterRebinder.Rebind(viaBindings, record));
        }

        return Expression.Lambda<Func<TRecord, bool>>(allowed, record);
    }

    public async Task ApplyInputAsync(TRecord record, IReadOnlyDictionary<string, object?> input, bool isCreate, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        var actor = services.GetService<ICurrentActor>();
        if (isCreate && declaration.Responsible.GetValue(record) is null && actor is { UserId: > 0 and var me })
        {
            // A new record is its author's unless given to someone else, as owned records are.
            declaration.Responsible.SetValue(record, (long?)me);
        }

        if (!input.TryGetValue(declaration.InputName, out var value) || value is null)
        {
            if (isCreate)
            {
                errors.Add(UserError.At(ErrorCodes.Required, $"A {name} is bound to at least one record.", "input", declaration.InputName));
            }

            return;
        }

        var wanted = Read(value, services, errors);
        if (wanted is null)
        {
            return;
        }

        // Held until the write commits, so that a concurrent delete of a bound record waits (and then removes the binding) or went first (and it is refused here).
        var registry = services.GetRequiredService<IEntityRegistry>();
        foreach (var group in wanted.GroupBy(w => w.Type, StringComparer.Ordinal))
        {
            var type = registry.Find(group.Key)!;
            var ids = group.Select(w => w.Id).ToList();
            var found = await type.LoadHeldAsync(services, ids, cancellationToken);
            foreach (var missing in group.Where(w => !found.ContainsKey(w.Id)))
            {
                var reachesAll = type is ICrmEntityDefinition definition && definition.ReachesAll(services, PermissionAction.Read);
                errors.Add(reachesAll
                    ? Refusals.NotFound(group.Key, missing.Id, "input", declaration.InputName, missing.Index.ToString(CultureInfo.InvariantCulture))
                    : Refusals.Forbidden("bind to", group.Key, missing.Id, "input", declaration.InputName, missing.Index.ToString(CultureInfo.InvariantCulture)));
            }
        }

        if (errors.Count > 0)
        {
            return;
        }

        var bindings = isCreate ? _bindings(record) : await CurrentBindingsAsync(record, services, cancellationToken);
        var before = bindings.Select(Key).ToList();
        var db = services.GetModuleService<TContext>();
        foreach (var gone in bindings.Where(b => !wanted.Any(w => w.Type == b.EntityType && w.Id == b.EntityId)).ToList())
        {
            bindings.Remove(gone);
            db.Remove(gone);
        }

        foreach (var added in wanted.Where(w => !bindings.Any(b => b.EntityType == w.Type && b.EntityId == w.Id)).ToList())
        {
            var row = new TBinding { RecordId = record.Id, EntityType = added.Type, EntityId = added.Id };
            bindings.Add(row);
            if (!isCreate)
            {
                // A new record's rows are added with it.
                db.Add(row);
            }
        }

        var after = bindings.Select(Key).ToList();
        if (!isCreate && !before.Order(StringComparer.Ordinal).SequenceEqual(after.Order(StringComparer.Ordinal)))
        {
            services.GetModuleService<TContext>().RecordChange(record, declaration.InputName, before, after);
        }
    }

    private List<(string Type, long Id, int Index)>? Read(object value, IServiceProvider services, List<UserError> errors)
    {
        if (value is not System.Collections.IEnumerable list || value is string)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat, "Expected a list of { entityType id }.", "input", declaration.InputName));
            return null;
        }

        var items = list.Cast<object?>().ToList();
        if (items.Count > declaration.MaxBindings)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded,
                $"A {name} is bound to at most {declaration.MaxBindings.ToString(CultureInfo.InvariantCulture)} records; {items.Count.ToString(CultureInfo.InvariantCulture)} were given.", "input", declaration.InputName));
            return null;
        }

        if (items.Count == 0)
        {
            errors.Add(UserError.At(ErrorCodes.Required, $"A {name} is bound to at least one record.", "input", declaration.InputName));
            return null;
        }

        var registry = services.GetRequiredService<IEntityRegistry>();
        var wanted = new List<(string Type, long Id, int Index)>();
        for (var i = 0; i < items.Count; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            if (items[i] is not IDictionary<string, object?> item || item.TryGetValue("entityType", out var t) is false || t is not string type)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidFormat, "Expected { entityType id }.", "input", declaration.InputName, index));
                continue;
            }

            if (registry.Find(type) is not ICrmEntityDefinition definition || definition.BindsToOthers)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A {name} cannot be bound to a {type}.", "input", declaration.InputName, index, "entityType"));
                continue;
            }

            if (!RecordIds.TryParse(item.TryGetValue("id", out var raw) ? raw : null, out var id))
            {
                errors.Add(RecordIds.Invalid(raw, type, "input", declaration.InputName, index, "id"));
                continue;
            }

            if (!wanted.Any(w => w.Type == type && w.Id == id))
            {
                wanted.Add((type, id, i));
            }
        }

        return errors.Count == 0 ? wanted : null;
    }

    public async Task<bool> AllowsAsync(TRecord record, IServiceProvider services, PermissionAction action, CancellationToken cancellationToken)
    {
        var rights = RecordAccess<TRecord>.RightsOf(services);
        if (rights.IsAdministrator)
        {
            return true;
        }

        if (services.GetService<ICurrentActor>()?.UserId is > 0 and var me && (long?)declaration.Responsible.GetValue(record) == me)
        {
            return true;
        }

        var registry = services.GetRequiredService<IEntityRegistry>();
        foreach (var binding in _bindings(record))
        {
            if (registry.Find(binding.EntityType) is ICrmEntityDefinition type
                && await type.ReachesAsync(services, binding.EntityId, BindingDeclaration.OnBound(action), cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    public Task<List<long>> BoundToAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken) =>
        services.GetModuleService<TContext>().Set<TBinding>().AsNoTracking()
            .Where(b => b.EntityType == targetType && b.EntityId == targetId)
            .Select(b => b.RecordId).Distinct().OrderBy(id => id).Take(max + 1).ToListAsync(cancellationToken);

    public async Task<bool> UnbindAsync(TRecord record, string targetType, long targetId, IServiceProvider services, CancellationToken cancellationToken)
    {
        var bindings = await CurrentBindingsAsync(record, services, cancellationToken);
        if (bindings.All(b => b.EntityType == targetType && b.EntityId == targetId))
        {
            // Its last: left as it is, for the caller to delete the record whole.
            return false;
        }

        var before = bindings.Select(Key).ToList();
        var db = services.GetModuleService<TContext>();
        foreach (var gone in bindings.Where(b => b.EntityType == targetType && b.EntityId == targetId).ToList())
        {
            bindings.Remove(gone);
            db.Remove(gone);
        }

        db.RecordChange(record, declaration.InputName, before, bindings.Select(Key).ToList());
        return true;
    }

    /// <summary>
    /// The tracked record's bindings as committed now. The record was read with its row lock in
    /// one statement, and on PostgreSQL that statement's snapshot predates the wait for the lock:
    /// the bindings it joined may be those a concurrent writer has since replaced. Read again
    /// (a new statement, after the lock) and tracked in their place.
    /// </summary>
    private async Task<ICollection<TBinding>> CurrentBindingsAsync(TRecord record, IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        var bindings = _bindings(record);
        foreach (var stale in bindings.ToList())
        {
            db.Entry(stale).State = EntityState.Detached;
        }

        bindings.Clear();
        var id = record.Id;
        foreach (var row in await db.Set<TBinding>().AsNoTracking().Where(b => b.RecordId == id).ToListAsync(cancellationToken))
        {
            bindings.Add(row);
            db.Entry(row).State = EntityState.Unchanged;
        }

        return bindings;
    }

    private static string Key(TBinding binding) => $"{binding.EntityType}:{binding.EntityId.ToString(CultureInfo.InvariantCulture)}";
}
