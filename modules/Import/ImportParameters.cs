using System.Text.Json.Nodes;

namespace Crm.Modules.Import;

/// <summary>What an import does with a row that matches an existing record.</summary>
public enum DuplicateHandling
{
    /// <summary>Creates the record anyway (no matching).</summary>
    Create,

    /// <summary>Leaves the row out, counted as skipped.</summary>
    Skip,

    /// <summary>Updates the oldest matching record with the row's values.</summary>
    Update,
}

/// <summary>One mapping entry: a column (its header, or its 1-based number without a header row) and the field it fills.</summary>
public sealed record ColumnMapping(string Column, string Field);

/// <summary>What an import job was asked for, stored with the job.</summary>
/// <param name="EntityType">The record type's name (<c>contact</c>).</param>
/// <param name="FileId">The uploaded file.</param>
/// <param name="FileName">The uploaded file's name, for the result's name.</param>
/// <param name="Encoding">A CSV's encoding; detected when null.</param>
/// <param name="Delimiter">A CSV's delimiter; detected when null.</param>
/// <param name="HasHeaderRow">Whether the first row holds the headers.</param>
/// <param name="Mapping">Which column fills which field; columns not named are left out.</param>
/// <param name="Defaults">Values every row gets, as the create input takes them, unless its own cell gives one.</param>
/// <param name="Duplicates">What a row matching an existing record does.</param>
/// <param name="MatchBy">The rule rows are matched by (<c>EMAIL</c>, <c>PHONE</c>, <c>NAME_IN_COMPANY</c>) unless duplicates are created.</param>
/// <param name="DryRun">Checks every row as the import would and writes nothing.</param>
public sealed record ImportParameters(
    string EntityType,
    long FileId,
    string FileName,
    string? Encoding,
    string? Delimiter,
    bool HasHeaderRow,
    IReadOnlyList<ColumnMapping> Mapping,
    JsonObject? Defaults,
    DuplicateHandling Duplicates,
    string? MatchBy,
    bool DryRun);
