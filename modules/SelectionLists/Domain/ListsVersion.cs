namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// One row whose number grows with every change of any list or item, in the change's transaction:
/// what every host compares with the lists it keeps in memory (<see cref="SelectionListCache"/>).
/// </summary>
public sealed class ListsVersion
{
    public int Id { get; set; } = 1;

    public long Version { get; set; }
}
