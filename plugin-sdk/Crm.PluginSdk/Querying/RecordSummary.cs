namespace Crm.PluginSdk.Querying;

/// <summary>What a summary of a record type is asked for: the list's filter and search, the fields to group by and to add up.</summary>
internal sealed record SummaryArguments(
    IReadOnlyDictionary<string, object?>? Where,
    string? Search,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<string> Sum,
    int? First);

/// <summary>The groups of a summary, the largest first; <see cref="HasMoreGroups"/> when more were left out.</summary>
internal sealed record RecordSummary(IReadOnlyList<SummaryGroup> Groups, bool HasMoreGroups);

/// <summary>One group: its key (a value per grouped field, as text; null where the field is empty), how many records, and their sums.</summary>
internal sealed record SummaryGroup(IReadOnlyList<string?> Key, int Count, IReadOnlyList<SummarySum> Sums);

/// <summary>The sum of one field over a group's records (null when none holds a value).</summary>
internal sealed record SummarySum(string Field, decimal? Value);

/// <summary>
/// The bounds of a summary, fixed because each shapes its one SQL statement: grouped fields and
/// summed fields are columns of it. Its groups are its rows, bounded as a list's page is
/// (<see cref="QueryLimits.DefaultPageSize"/>, <see cref="QueryLimits.MaxPageSize"/>).
/// </summary>
internal static class SummaryLimits
{
    /// <summary>The most fields a summary groups by.</summary>
    public const int MaxGroupFields = 2;

    /// <summary>The most fields a summary adds up.</summary>
    public const int MaxSumFields = 4;
}
