namespace Crm.PluginSdk.Lists;

/// <summary>What a status or stage means for the record on it.</summary>
public enum ListItemSemantics
{
    /// <summary>Work in progress.</summary>
    Process,

    /// <summary>Done and won (a converted lead, a won deal).</summary>
    Success,

    /// <summary>Done and lost (junk, a lost deal).</summary>
    Failure,
}

/// <summary>
/// One item of an admin-editable selection list (Bitrix24's <c>crm.status</c>): lead statuses
/// (<c>STATUS</c>), sources (<c>SOURCE</c>), deal stages per pipeline (<c>DEAL_STAGE</c>,
/// <c>DEAL_STAGE_1</c> with ids such as <c>C1:NEW</c>), types, industries, honorifics ...
/// </summary>
public sealed record SelectionListItem(
    string EntityId,
    string Id,
    string Name,
    int Sort,
    string? Color,
    ListItemSemantics? Semantics,
    bool System,
    int? Probability = null);

/// <summary>
/// Reads selection lists. Implemented by the module that stores them; within a request the
/// lists are read once, however many fields ask.
/// </summary>
public interface ISelectionLists
{
    Task<IReadOnlyList<SelectionListItem>> GetItemsAsync(string entityId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether an item <paramref name="itemId"/> exists in a list of the family <paramref name="listFamily"/>
    /// (<c>DEAL_STAGE</c> covers <c>DEAL_STAGE_3</c>; item ids are unique within a family), holding that
    /// list so until the current transaction ends: a <c>removeSelectionListItem</c> meanwhile waits for
    /// the transaction, and then finds what it wrote (<see cref="ISelectionListItemReferenceHolder"/>).
    /// Call it inside the transaction that writes the reference. By default it only checks (no hold).
    /// </summary>
    async Task<bool> HoldItemAsync(string listFamily, string itemId, CancellationToken cancellationToken)
    {
        foreach (var (entityId, items) in await AllAsync(cancellationToken))
        {
            if ((entityId == listFamily || entityId.StartsWith(listFamily + "_", StringComparison.Ordinal)) && items.Any(i => i.Id == itemId))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every list with its items; by default none (the module that stores them answers).</summary>
    Task<IReadOnlyDictionary<string, List<SelectionListItem>>> AllAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, List<SelectionListItem>>>(new Dictionary<string, List<SelectionListItem>>());
}

/// <summary>
/// A module that keeps list items' ids in its own tables outside records' fields (an automation rule
/// that moves deals to a stage). No such reference outlives its item: <c>removeSelectionListItem</c>
/// asks every holder, in the removal's transaction with the list held, what still names the item,
/// and is refused (<c>IN_USE</c>, naming them) while anything does. (Records' own list fields are
/// moved to the item the removal names, <c>moveTo</c>, by the record types themselves.)
/// </summary>
/// <remarks>
/// Register it in the module's services (<c>services.AddScoped&lt;ISelectionListItemReferenceHolder, MyItemReferences&gt;()</c>);
/// it is resolved from the request's scope, so its module's DbContext shares the removal's transaction.
/// A writer of such a reference holds the item as it writes (<see cref="ISelectionLists.HoldItemAsync"/>).
/// </remarks>
public interface ISelectionListItemReferenceHolder
{
    /// <summary>What names item <paramref name="itemId"/> of list <paramref name="listId"/> (about to be removed), each said for an admin, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> UsesKeepingItemAsync(IServiceProvider services, string listId, string itemId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The first of <paramref name="itemIds"/> (items of list <paramref name="listId"/>, in their order) that
    /// something names; null when none is. Asked when a whole list goes (a pipeline's deletion). By default
    /// each item in turn (<see cref="UsesKeepingItemAsync"/>); a holder that can tell for the whole list
    /// in a few statements overrides it, so a list of hundreds of items costs no more than one.
    /// </summary>
    async Task<string?> FirstNamedItemAsync(IServiceProvider services, string listId, IReadOnlyList<string> itemIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        foreach (var itemId in itemIds)
        {
            if ((await UsesKeepingItemAsync(services, listId, itemId, 1, cancellationToken)).Count > 0)
            {
                return itemId;
            }
        }

        return null;
    }
}

/// <summary>The outcome of an edit: the item as saved, or why not (paths start at "input").</summary>
public sealed record SelectionListEdit(SelectionListItem? Item, IReadOnlyList<GraphQL.UserError> Errors, int MovedRecords = 0);

/// <summary>
/// Edits selection lists with every rule applied (ids, semantics, system items, records moved off
/// a removed item), for the lists' own API and for modules whose records own a list (a pipeline
/// owns its stages). Each edit holds its list from its first read to its write (in the caller's
/// transaction, when there is one), so concurrent edits of one list apply one after the other.
/// </summary>
public interface ISelectionListEditor
{
    /// <summary>
    /// Input keys: id, name, sort, color, semantics, probability. Without a sort, an in-process item of
    /// a list with semantics goes right before the first final item (the list numbered again when
    /// there is no room between), any other item last.
    /// </summary>
    Task<SelectionListEdit> AddItemAsync(string entityId, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    Task<SelectionListEdit> UpdateItemAsync(string entityId, string id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    Task<SelectionListEdit> RemoveItemAsync(string entityId, string id, string? moveTo, CancellationToken cancellationToken);

    Task<IReadOnlyList<GraphQL.UserError>> ReorderAsync(string entityId, IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>Creates a list with its items as given (a new pipeline's stages).</summary>
    Task CreateListAsync(string entityId, IReadOnlyList<SelectionListItem> items, CancellationToken cancellationToken);

    Task DeleteListAsync(string entityId, CancellationToken cancellationToken);

    /// <summary>
    /// Holds the list (as its edits hold it, until the current transaction ends) and answers the
    /// <c>IN_USE</c> refusal, at <paramref name="path"/>, when something outside records names one of its items
    /// (<see cref="ISelectionListItemReferenceHolder"/>); null when nothing does. Call it inside the
    /// transaction that then deletes the list (a pipeline's deletion, before <see cref="DeleteListAsync"/>).
    /// By default nothing is held or named.
    /// </summary>
    Task<GraphQL.UserError?> HoldListUnnamedAsync(string entityId, string path, CancellationToken cancellationToken) =>
        Task.FromResult<GraphQL.UserError?>(null);
}

/// <summary>
/// A selection list a module declares: its id (Bitrix24's where one exists), its name, what its
/// items carry, and the items a new installation starts with. The SelectionLists module makes
/// each declared list at the first start that knows it, with its default items, once: an admin
/// who removes every item keeps an empty list, not the defaults back. Declare lists in a class
/// implementing <see cref="ISelectionListDeclarations"/>; it is found by convention.
/// </summary>
public sealed record SelectionListDeclaration(string Id, string Name, IReadOnlyList<SelectionListItemDeclaration> DefaultItems)
{
    /// <summary>The longest list id (it is part of each item's key).</summary>
    public const int MaxIdLength = 50;

    /// <summary>Items mean in process, success or failure for the records on them (lead statuses, deal stages).</summary>
    public bool HasSemantics { get; init; }

    /// <summary>Items carry a probability in percent (deal stages).</summary>
    public bool HasProbability { get; init; }

    /// <summary>
    /// The list heads a family of lists made at runtime, <c>{Id}_1</c>, <c>{Id}_2</c> ... (a
    /// pipeline's stages), which take its semantics and probability, the name <see cref="MemberName"/>
    /// gives them, and item ids starting with <see cref="MemberItemPrefix"/> (unique across the family).
    /// </summary>
    public bool IsFamily { get; init; }

    public Func<int, string>? MemberName { get; init; }

    public Func<int, string>? MemberItemPrefix { get; init; }
}

/// <summary>An item a declared list starts with; <paramref name="System"/> items cannot be removed.</summary>
public sealed record SelectionListItemDeclaration(string Id, string Name, ListItemSemantics? Semantics = null, bool System = false, string? Color = null, int? Probability = null);

/// <summary>The selection lists a module declares (see <see cref="SelectionListDeclaration"/>); found by convention.</summary>
public interface ISelectionListDeclarations
{
    IEnumerable<SelectionListDeclaration> SelectionLists { get; }
}
