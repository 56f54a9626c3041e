using Crm.PluginSdk.Lists;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// Where an item added without a sort goes. As in Bitrix24, a new in-process item of a list with
/// semantics (a lead status, a deal stage) goes after the items in process, right before the first
/// final (success or failure) item: between their sorts when there is room, else there with the
/// list numbered again (10, 20, ...). Any other item goes last.
/// </summary>
internal static class ItemPlacement
{
    public const int Step = 10;

    /// <summary>Gives <paramref name="item"/> its sort among <paramref name="items"/> (the list's stored items, tracked, in order), renumbering them when needed.</summary>
    public static void Place(ListItem item, IReadOnlyList<ListItem> items)
    {
        var ordered = items.OrderBy(i => i.Sort).ThenBy(i => i.StatusId, StringComparer.Ordinal).ToList();
        var firstFinal = item.Semantics == ListItemSemantics.Process
            ? ordered.FindIndex(i => i.Semantics is ListItemSemantics.Success or ListItemSemantics.Failure)
            : -1;
        if (firstFinal < 0)
        {
            item.Sort = ordered.Count == 0 ? Step : ordered[^1].Sort + Step;
            return;
        }

        var next = ordered[firstFinal].Sort;
        var previous = firstFinal > 0 ? ordered[firstFinal - 1].Sort : next - (2 * Step);
        if (next - previous >= 2)
        {
            item.Sort = previous + ((next - previous) / 2);
            return;
        }

        ordered.Insert(firstFinal, item);
        for (var i = 0; i < ordered.Count; i++)
        {
            ordered[i].Sort = (i + 1) * Step;
        }
    }
}
