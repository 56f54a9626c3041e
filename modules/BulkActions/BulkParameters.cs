using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Lists;

namespace Crm.Modules.BulkActions;

public enum BulkActionKind
{
    /// <summary>Sets fields (custom fields, the stage or status included) through the type's update.</summary>
    SetFields,

    /// <summary>Sets the responsible user through the type's update.</summary>
    Assign,

    /// <summary>Deletes through the type's delete.</summary>
    Delete,

    /// <summary>Comments on each record through the automation action <c>timeline.addComment</c>.</summary>
    AddComment,

    /// <summary>Plans an activity bound to each record through the automation action <c>activities.create</c>.</summary>
    CreateActivity,

    /// <summary>Moves each record to the first in-process stage or status of its list (see <see cref="StageSemantics"/>).</summary>
    Open,

    /// <summary>Moves each record to the first stage or status of its list meaning <see cref="BulkParameters.Outcome"/>.</summary>
    Close,
}

/// <summary>What a bulk action job was asked for, stored with the job.</summary>
/// <param name="EntityType">The record type's name (<c>deal</c>).</param>
/// <param name="Ids">The records named, distinct and ascending; null when <paramref name="Where"/> chooses them.</param>
/// <param name="Where">The list's <c>where</c> (a view's filter AND-ed in) choosing the records; used when <paramref name="Ids"/> is null.</param>
/// <param name="Kind">What is done to each record.</param>
/// <param name="Fields">The update input for <see cref="BulkActionKind.SetFields"/> and <see cref="BulkActionKind.Assign"/>, as JSON.</param>
public sealed record BulkParameters(string EntityType, IReadOnlyList<long>? Ids, JsonObject? Where, BulkActionKind Kind, JsonObject? Fields)
{
    /// <summary><see cref="BulkActionKind.AddComment"/> and <see cref="BulkActionKind.CreateActivity"/>: the parameters of the automation action that does it, as JSON.</summary>
    public JsonObject? StepParameters { get; init; }

    /// <summary><see cref="BulkActionKind.Close"/>: what the stage the records move to means, success or failure.</summary>
    public ListItemSemantics? Outcome { get; init; }
}

/// <summary>A record the action refused, with the write's code and reason.</summary>
public sealed record BulkRefusal(long Id, string Code, string Message);

/// <summary>
/// Where a resumed bulk action continues: records are taken in ascending id order, and the checkpoint
/// is saved after each one, so a resumed run skips every id up to <paramref name="LastId"/>.
/// </summary>
/// <param name="Position">The list's position before the page being worked through (where chosen by a filter); its total is the records to apply.</param>
/// <param name="LastId">The last record applied (done or refused); 0 before the first.</param>
/// <param name="Done">The records written.</param>
/// <param name="Refused">The records refused.</param>
/// <param name="Refusals">The first refused records, at most <c>BulkActions:MaxRefusalsListed</c>.</param>
/// <param name="Unchanged">The records left as they were, being so already (opened or closed already); 0 in checkpoints written before it was counted.</param>
public sealed record BulkCheckpoint(ListPosition Position, long LastId, long Done, long Refused, IReadOnlyList<BulkRefusal> Refusals, long Unchanged = 0);
