using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Modules.SelectionLists.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// The lists as the rest of the platform reads and edits them. All items are read with one
/// query the first time a request asks (lists are small), and read again after a change.
/// </summary>
public sealed partial class SelectionListStore(SelectionListsDbContext db, SelectionListCatalog catalog, SelectionListCache cache, CrmDatabaseSession session,
    ICurrentActor actor, SelectionListOptions options, IServiceProvider services)
    : ISelectionLists, ISelectionListEditor, IScopedService
{
    private IReadOnlyDictionary<string, List<SelectionListItem>>? _lists;

    // Once this scope changed a list it reads its own connection: its change may not be committed yet.
    private bool _changedHere;

    public async Task<IReadOnlyList<SelectionListItem>> GetItemsAsync(string entityId, CancellationToken cancellationToken) =>
        (await AllAsync(cancellationToken)).GetValueOrDefault(entityId) ?? [];

    public async Task<IReadOnlyDictionary<string, List<SelectionListItem>>> AllAsync(CancellationToken cancellationToken)
    {
        _lists ??= _changedHere ? await SelectionListCache.ReadAsync(db, cancellationToken) : await cache.ListsAsync(cancellationToken);
        return _lists;
    }

    /// <summary>Holds the list of the family that holds the item, shared, and says whether the item is still there (<see cref="ItemReferences.HoldAsync"/>).</summary>
    public Task<bool> HoldItemAsync(string listFamily, string itemId, CancellationToken cancellationToken) =>
        ItemReferences.HoldAsync(db, listFamily, itemId, cancellationToken);

    internal static string ListLock(string entityId) => "selectionlists.list:" + entityId;

    /// <summary>
    /// Saves the scope's changes and bumps the lists' version in one transaction (the caller's, when
    /// there is one), so that every host forgets the lists it keeps.
    /// </summary>
    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        await session.InTransactionAsync(async () =>
        {
            await db.SaveChangesAsync(cancellationToken);
            await BumpVersionAsync(db, cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);
        Invalidate();
    }

    internal static Task<int> BumpVersionAsync(SelectionListsDbContext db, CancellationToken cancellationToken) =>
        db.Versions.Where(v => v.Id == 1).ExecuteUpdateAsync(v => v.SetProperty(x => x.Version, x => x.Version + 1), cancellationToken);

    /// <summary>Forgets what was read, after a change: this scope's copy and the host's.</summary>
    public void Invalidate()
    {
        _changedHere = true;
        _lists = null;
        cache.Invalidate();
    }

    /// <summary>
    /// Runs one edit of a list in a transaction (the caller's, when there is one) that holds the list
    /// before anything is read: on PostgreSQL a lock on its name, on SQLite the write transaction
    /// itself. So an edit's checks (the id taken, the success item, the records holding an item, the
    /// item to move them to) and its write see no other edit of the list in between, and twenty
    /// admins editing one list at once end as if one after the other. Rolled back when it refuses.
    /// </summary>
    private async Task<T> EditAsync<T>(string entityId, Func<HeldList, Task<T>> edit, Func<T, bool> succeeded, CancellationToken cancellationToken)
    {
        var result = await session.InTransactionAsync(async () =>
        {
            await db.LockNameAsync(ListLock(entityId), cancellationToken);
            var items = await db.Items.Where(i => i.EntityId == entityId).OrderBy(i => i.Sort).ThenBy(i => i.StatusId).ToListAsync(cancellationToken);
            return await edit(new HeldList(ListOf(entityId, items.Select(i => i.ToPublic()).ToList()), items));
        }, succeeded, cancellationToken);
        if (succeeded(result))
        {
            Invalidate();
        }

        return result;
    }

    /// <summary>A list as an edit holding it reads it: as the API shows it (null when there is none) and its stored items, tracked, in order.</summary>
    private sealed record HeldList(SelectionList? List, List<ListItem> Items);

    public async Task CreateListAsync(string entityId, IReadOnlyList<SelectionListItem> items, CancellationToken cancellationToken)
    {
        db.Lists.Add(new ListRecord { EntityId = entityId, CreatedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime });
        db.Items.AddRange(items.Select(i => new ListItem
        {
            EntityId = entityId,
            StatusId = i.Id,
            Name = i.Name,
            Sort = i.Sort,
            Color = i.Color,
            Semantics = i.Semantics,
            System = i.System,
            Probability = i.Probability,
        }));
        await SaveAsync(cancellationToken);
    }

    public Task DeleteListAsync(string entityId, CancellationToken cancellationToken) =>
        EditAsync(entityId, async held =>
        {
            // One statement for the items however many (SQLite sends EF's deletes one by one), in the edit's transaction.
            await db.Items.Where(i => i.EntityId == entityId).ExecuteDeleteAsync(cancellationToken);
            db.Lists.RemoveRange(await db.Lists.Where(l => l.EntityId == entityId).ToListAsync(cancellationToken));
            await SaveAsync(cancellationToken);
            return true;
        }, done => done, cancellationToken);

    public async Task<UserError?> HoldListUnnamedAsync(string entityId, string path, CancellationToken cancellationToken)
    {
        await db.LockNameAsync(ListLock(entityId), cancellationToken);
        return await ItemReferences.ListRefusalAsync(db, services, entityId, path, cancellationToken);
    }

    public sealed record SelectionList(string EntityId, string Name, IReadOnlyList<SelectionListItem> Items);

    public string ListName(string entityId) => catalog.Find(entityId)?.Name ?? entityId;

    /// <summary>A list that is declared, or belongs to a declared family and has items: one that was emptied stays.</summary>
    public async Task<SelectionList?> FindListAsync(string entityId, CancellationToken cancellationToken) =>
        ListOf(entityId, await GetItemsAsync(entityId, cancellationToken));

    private SelectionList? ListOf(string entityId, IReadOnlyList<SelectionListItem> items) =>
        catalog.Find(entityId) is not { } declared || (declared.Member is not null && items.Count == 0) ? null : new SelectionList(entityId, declared.Name, items);

    /// <summary>Every list: the declared ones (emptied ones too) and the family members that have items.</summary>
    public async Task<IReadOnlyList<SelectionList>> ListsAsync(CancellationToken cancellationToken)
    {
        var all = await AllAsync(cancellationToken);
        return catalog.Declared.Select(d => d.Id).Union(all.Keys.Where(id => catalog.Find(id) is not null)).Order(StringComparer.Ordinal)
            .Select(id => new SelectionList(id, ListName(id), all.GetValueOrDefault(id) ?? [])).ToList();
    }

    public async Task<SelectionListEdit> AddItemAsync(string entityId, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Editing selection lists") is { } forbidden)
        {
            return new SelectionListEdit(null, [forbidden]);
        }

        return await EditAsync(entityId, async held =>
        {
            if (held.List is not { } list)
            {
                return new SelectionListEdit(null, [UserError.At(ErrorCodes.NotFound, $"There is no selection list '{entityId}'.", "input", "entityId")]);
            }

            if (held.Items.Count >= options.MaxItemsPerList)
            {
                return new SelectionListEdit(null, [UserError.At(ErrorCodes.LimitExceeded,
                    $"A selection list holds at most {options.MaxItemsPerList.ToString(CultureInfo.InvariantCulture)} items; remove one first.", "input", "entityId")]);
            }

            var errors = new List<UserError>();
            var name = ((string)input["name"]!).Trim();
            var declaration = catalog.Find(entityId);
            var prefix = declaration?.ItemPrefix ?? "";
            var id = input.GetValueOrDefault("id") as string ?? prefix + MakeId(name);
            if (!IdPattern().IsMatch(id) || id.Length > 50 || (prefix.Length > 0 && !id.StartsWith(prefix, StringComparison.Ordinal)))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidFormat,
                    $"'{id}' is not a valid item id: use up to 50 upper-case letters, digits and _{(prefix.Length > 0 ? $", starting with {prefix}" : "")}.", "input", "id"));
            }
            else if (held.Items.Any(i => i.StatusId == id))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"The list {entityId} already has an item '{id}'.", "input", "id"));
            }

            var item = new ListItem
            {
                EntityId = entityId,
                StatusId = id,
                Name = name,
                Semantics = declaration?.Declaration.HasSemantics == true ? ListItemSemantics.Process : null,
            };
            Apply(item, input, list, errors);
            if (errors.Count > 0)
            {
                return new SelectionListEdit(null, errors);
            }

            if (!input.ContainsKey("sort"))
            {
                ItemPlacement.Place(item, held.Items);
            }

            db.Items.Add(item);
            await SaveAsync(cancellationToken);
            return new SelectionListEdit(item.ToPublic(), []);
        }, edit => edit.Errors.Count == 0, cancellationToken);
    }

    public async Task<SelectionListEdit> UpdateItemAsync(string entityId, string id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Editing selection lists") is { } forbidden)
        {
            return new SelectionListEdit(null, [forbidden]);
        }

        return await EditAsync(entityId, async held =>
        {
            if (held.Items.FirstOrDefault(i => i.StatusId == id) is not { } item || held.List is not { } list)
            {
                return new SelectionListEdit(null, [UserError.At(ErrorCodes.NotFound, $"The list {entityId} has no item '{id}'.", "id")]);
            }

            var errors = new List<UserError>();
            if (input.TryGetValue("name", out var name))
            {
                item.Name = (name as string)?.Trim() ?? "";
            }

            if (item.System && input.TryGetValue("semantics", out var semantics) && semantics is ListItemSemantics s && s != item.Semantics)
            {
                errors.Add(UserError.At(ErrorCodes.Validation, "The semantics of a system item cannot change.", "input", "semantics"));
            }

            var semanticsBefore = item.Semantics;
            Apply(item, input, list, errors);
            if (errors.Count > 0)
            {
                return new SelectionListEdit(null, errors);
            }

            if (item.Semantics != semanticsBefore)
            {
                // Records keep what an item's semantics imply (a deal's "closed"): tell their modules.
                db.Publish(new Crm.PluginSdk.Events.ListItemSemanticsChanged(item.EntityId, item.StatusId, semanticsBefore, item.Semantics));
            }

            await SaveAsync(cancellationToken);
            return new SelectionListEdit(item.ToPublic(), []);
        }, edit => edit.Errors.Count == 0, cancellationToken);
    }

    /// <summary>Applies and checks the fields shared by add and update.</summary>
    private void Apply(ListItem item, IReadOnlyDictionary<string, object?> input, SelectionList list, List<UserError> errors)
    {
        if (item.Name.Length is 0 or > 100)
        {
            errors.Add(UserError.At(item.Name.Length == 0 ? ErrorCodes.Required : ErrorCodes.TooLong, "'name' must be 1 to 100 characters.", "input", "name"));
        }

        if (input.TryGetValue("sort", out var sort) && sort is int position)
        {
            item.Sort = position;
        }

        if (input.TryGetValue("color", out var color))
        {
            if (color is string text && !ColorPattern().IsMatch(text))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{text}' is not a colour; use #RRGGBB.", "input", "color"));
            }

            item.Color = color as string;
        }

        if (input.TryGetValue("semantics", out var semantics) && semantics is ListItemSemantics meaning)
        {
            if (catalog.Find(item.EntityId)?.Declaration.HasSemantics != true)
            {
                errors.Add(UserError.At(ErrorCodes.Validation, $"Items of {item.EntityId} have no semantics; only statuses and stages do.", "input", "semantics"));
            }
            else if (meaning == ListItemSemantics.Success && list.Items.Any(i => i.Semantics == ListItemSemantics.Success && i.Id != item.StatusId))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"The list {item.EntityId} already has its success item.", "input", "semantics"));
            }

            item.Semantics = meaning;
        }

        if (input.TryGetValue("probability", out var probability) && probability is not null)
        {
            if (catalog.Find(item.EntityId)?.Declaration.HasProbability != true)
            {
                errors.Add(UserError.At(ErrorCodes.Validation, "Only deal stages have a probability.", "input", "probability"));
            }
            else if (probability is not int percent || percent is < 0 or > 100)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, "'probability' must be 0 to 100.", "input", "probability"));
            }
            else
            {
                item.Probability = percent;
            }
        }
    }

    public async Task<SelectionListEdit> RemoveItemAsync(string entityId, string id, string? moveTo, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Editing selection lists") is { } forbidden)
        {
            return new SelectionListEdit(null, [forbidden]);
        }

        // The count, the item moved to, the move and the removal are one change: all of it, or none.
        return await EditAsync(entityId, async held =>
        {
            if (held.Items.FirstOrDefault(i => i.StatusId == id) is not { } item)
            {
                return new SelectionListEdit(null, [UserError.At(ErrorCodes.NotFound, $"The list {entityId} has no item '{id}'.", "id")]);
            }

            var removedItem = item.ToPublic();
            if (item.System)
            {
                return new SelectionListEdit(null, [UserError.At(ErrorCodes.Validation, $"'{id}' is a system item of {entityId} and cannot be removed.", "id")]);
            }

            // What cannot be moved to another item (a rule that moves deals to this stage) keeps it. Asked with the
            // list held: a rule saved naming the item committed before, or waits and then finds it gone.
            if (await ItemReferences.RefusalAsync(services, $"'{id}'", entityId, id, "id", cancellationToken) is { } named)
            {
                return new SelectionListEdit(null, [named]);
            }

            var definitions = services.GetRequiredService<IEntityRegistry>().Types.OfType<ICrmEntityDefinition>()
                .Where(d => d.Fields.Values.Any(f => f.UsesList(entityId))).ToList();
            var inUse = 0;
            foreach (var definition in definitions)
            {
                inUse += await definition.CountListValueAsync(services, entityId, id, cancellationToken);
            }

            if (inUse > 0 && moveTo is null)
            {
                return new SelectionListEdit(null, [UserError.At("IN_USE",
                    $"{inUse.ToString(CultureInfo.InvariantCulture)} record(s) hold '{id}'; name the item to move them to in 'moveTo'.", "moveTo")]);
            }

            if (moveTo is not null && (moveTo == id || held.Items.All(i => i.StatusId != moveTo)))
            {
                return new SelectionListEdit(null, [UserError.At(ErrorCodes.InvalidValue, $"'{moveTo}' is not another item of {entityId}.", "moveTo")]);
            }

            var moved = 0;
            if (moveTo is not null)
            {
                foreach (var definition in definitions)
                {
                    moved += await definition.ReplaceListValueAsync(services, entityId, id, moveTo, cancellationToken);
                }
            }

            db.Items.Remove(item);
            await SaveAsync(cancellationToken);
            return new SelectionListEdit(removedItem, [], moved);
        }, edit => edit.Errors.Count == 0, cancellationToken);
    }

    public async Task<IReadOnlyList<UserError>> ReorderAsync(string entityId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Editing selection lists") is { } forbidden)
        {
            return [forbidden];
        }

        return await EditAsync<IReadOnlyList<UserError>>(entityId, async held =>
        {
            var items = held.Items;
            if (items.Count == 0)
            {
                return [UserError.At(ErrorCodes.NotFound, $"There is no selection list '{entityId}'.", "entityId")];
            }

            if (ids.Count != items.Count || ids.Distinct().Count() != ids.Count || ids.Any(id => items.All(i => i.StatusId != id)))
            {
                return [UserError.At(ErrorCodes.InvalidValue, $"'ids' must name every item of {entityId} exactly once.", "ids")];
            }

            for (var i = 0; i < ids.Count; i++)
            {
                items.First(item => item.StatusId == ids[i]).Sort = (i + 1) * 10;
            }

            await SaveAsync(cancellationToken);
            return [];
        }, errors => errors.Count == 0, cancellationToken);
    }

    private static string MakeId(string name)
    {
        var id = NonIdCharacters().Replace(name.ToUpperInvariant(), "_").Trim('_');
        return id.Length == 0 ? "ITEM" : id[..Math.Min(id.Length, 40)];
    }

    [GeneratedRegex("^[A-Z0-9_]+(:[A-Z0-9_]+)?$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex ColorPattern();

    [GeneratedRegex("[^A-Z0-9]+")]
    private static partial Regex NonIdCharacters();
}
