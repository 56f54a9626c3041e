using Crm.PluginSdk.Lists;

namespace Crm.PluginSdk.Events;

/// <summary>
/// A selection list item (a lead status, a deal stage) changed what it means (published by the
/// SelectionLists module): records kept on it may need to follow (a deal's <c>closed</c>).
/// List items are not records, so all their events form one sequence (subject
/// <c>selection_list_item</c>, 0).
/// </summary>
/// <param name="ListId">The list, e.g. <c>DEAL_STAGE_3</c>.</param>
/// <param name="ItemId">The item, e.g. <c>C3:REVIEW</c>.</param>
/// <param name="From">Its semantics before.</param>
/// <param name="To">Its semantics now.</param>
[EventContract(TypeName, 1)]
public sealed record ListItemSemanticsChanged(string ListId, string ItemId, ListItemSemantics? From, ListItemSemantics? To) : CrmEvent
{
    public const string TypeName = "selectionList.itemSemanticsChanged";

    /// <summary>The subject every list item event shares.</summary>
    public const string SubjectType = "selection_list_item";

    public override EventSubject GetSubject() => new(SubjectType, 0);
}
