using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// The lists' bound: the most items one list may hold (<c>SelectionLists:MaxItemsPerList</c>, 500,
/// from 10 to 10,000). Every host keeps every list in memory and a request reads a list whole, so a
/// list may not grow without end; an add past it is refused (<c>LIMIT_EXCEEDED</c>), counted while
/// the add holds the list, so parallel adds stop at it exactly.
/// </summary>
public sealed record SelectionListOptions(int MaxItemsPerList)
{
    public const int DefaultMaxItemsPerList = 500;

    public const int Floor = 10;

    public const int Ceiling = 10_000;

    public static SelectionListOptions From(IConfiguration configuration) =>
        new(BoundedSettings.WholeNumber(configuration, "SelectionLists:MaxItemsPerList", DefaultMaxItemsPerList, Floor, Ceiling));
}
