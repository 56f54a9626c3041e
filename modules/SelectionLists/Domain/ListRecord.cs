namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// A list that exists in this database, whatever items it has: made with its default items the
/// first time its declaration was seen (or with a pipeline), so that an emptied list stays empty.
/// </summary>
public sealed class ListRecord
{
    public string EntityId { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}
