using System.Text.Json.Nodes;

namespace Crm.Modules.BulkActions;

public enum BulkActionKind
{
    /// <summary>Sets fields (custom fields, the stage or status included) through the type's update.</summary>
    SetFields,

    /// <summary>Sets the responsible user through the type's update.</summary>
    Assign,

    /// <summary>Deletes through the type's delete.</summary>
    Delete,
}

/// <summary>What a bulk action job was asked for, stored with the job.</summary>
/// <param name="EntityType">The record type's name (<c>deal</c>).</param>
/// <param name="Ids">The records named, distinct and ascending; null when <paramref name="Where"/> chooses them.</param>
/// <param name="Where">The list's <c>where</c> (a view's filter AND-ed in) choosing the records; used when <paramref name="Ids"/> is null.</param>
/// <param name="Kind">What is done to each record.</param>
/// <param name="Fields">The update input for <see cref="BulkActionKind.SetFields"/> and <see cref="BulkActionKind.Assign"/>, as JSON.</param>
public sealed record BulkParameters(string EntityType, IReadOnlyList<long>? Ids, JsonObject? Where, BulkActionKind Kind, JsonObject? Fields);

/// <summary>A record the action refused, with the write's code and reason.</summary>
public sealed record BulkRefusal(long Id, string Code, string Message);

/// <summary>
/// Where a resumed bulk action continues: records are taken in ascending id order, and the checkpoint
/// is saved after each one, so a resumed run skips every id up to <paramref name="LastId"/>.
/// </summary>
/// <param name="PageAfter">The list cursor before the page being worked through (where chosen by a filter); null for the first page.</param>
/// <param name="LastId">The last record applied (done or refused); 0 before the first.</param>
/// <param name="Refusals">The first refused records, at most <c>BulkActions:MaxRefusalsListed</c>.</param>
public sealed record BulkCheckpoint(string? PageAfter, long LastId, long Done, long Refused, long? Total, IReadOnlyList<BulkRefusal> Refusals);
