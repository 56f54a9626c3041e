namespace Acme.Quotes.Documents;

/// <summary>
/// Product rows a mutation of the plugin hands to the document's own create or update (one
/// request's scope): the record type's hook stores them and computes the totals inside the SDK's
/// write, so the rows, the totals, the rights check and the record's history are one change.
/// </summary>
public sealed class PendingRows
{
    private readonly Dictionary<(string Type, long? Id), IReadOnlyList<ProductRowInput>> _rows = [];

    /// <summary>Rows for the next write of a document of <paramref name="entityType"/>: record <paramref name="id"/>, or a new one when null.</summary>
    public void Offer(string entityType, long? id, IReadOnlyList<ProductRowInput> rows) => _rows[(entityType, id)] = rows;

    public bool TryTake(string entityType, long? id, out IReadOnlyList<ProductRowInput> rows) => _rows.Remove((entityType, id), out rows!);

    /// <summary>Forgets rows a refused write left.</summary>
    public void Clear() => _rows.Clear();
}
