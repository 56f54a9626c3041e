using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Export;

public enum ExportFormat
{
    Csv,
    Xlsx,
}

/// <summary>What an export job was asked for, stored with the job.</summary>
/// <param name="EntityType">The record type's name (<c>deal</c>).</param>
/// <param name="Where">The list's <c>where</c>, as the list takes it.</param>
/// <param name="Order">The list's <c>order</c>: <c>[{ "amount": "DESC" }]</c>.</param>
/// <param name="Columns">Field names, in order; null for every field of the type.</param>
/// <param name="Bom">Whether a CSV starts with a UTF-8 byte order mark (which Excel needs to read UTF-8).</param>
public sealed record ExportParameters(
    string EntityType,
    JsonObject? Where,
    JsonArray? Order,
    IReadOnlyList<string>? Columns,
    ExportFormat Format,
    bool Bom = true);

/// <summary>Where a resumed export continues: the list's position after the last row written, and how far the file it was written to is good.</summary>
/// <param name="Position">The list's position after the last page saved (its total counted once, with the first page).</param>
/// <param name="Bytes">The length of the rows file when the checkpoint was saved: what a resumed run cuts it back to.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="Complete">Every page is written; only the final file remains to be made.</param>
public sealed record ExportCheckpoint(ListPosition Position, long Bytes, long Rows, bool Complete);
