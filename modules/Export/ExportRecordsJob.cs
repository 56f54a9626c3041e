using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using CsvHelper;
using GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Export;

/// <summary>
/// The export job: pages through the list the owner would see (its filter, order and read rights),
/// appends each page's rows to a rows file and checkpoints the list cursor with the file's length, so
/// that a resumed run cuts the file back to the last checkpoint and goes on from its cursor: every
/// row is written once. The last page done, the rows file is the CSV, or is turned into the XLSX.
/// </summary>
public sealed class ExportRecordsJob(ExportOptions options) : JobKind<ExportParameters>
{
    public const string KindName = "export.records";

    private const string RowsFile = "rows.csv";

    public override string Name => KindName;

    protected override async Task<IReadOnlyList<UserError>> ValidateAsync(IServiceProvider requestServices, ExportParameters parameters, CancellationToken cancellationToken)
    {
        if (requestServices.GetRequiredService<IEntityRegistry>().Find(parameters.EntityType) is not ICrmEntityDefinition definition)
        {
            return [UserError.At(ErrorCodes.NotFound, $"There is no record type '{parameters.EntityType}'.", "entityType")];
        }

        if (RefuseExport(requestServices.GetRequiredService<ICurrentActor>(), definition) is { } refused)
        {
            return [UserError.At(ErrorCodes.Forbidden, refused, "entityType")];
        }

        if (parameters.Columns is { } names)
        {
            if (names.Count > options.MaxColumns)
            {
                return [UserError.At(ErrorCodes.LimitExceeded, $"'columns' names {names.Count} fields; the limit is {options.MaxColumns} (Export:MaxColumns).", "columns")];
            }

            if (names.Count == 0)
            {
                return [UserError.At(ErrorCodes.Required, "'columns' names no field; leave it out for every field.", "columns")];
            }
        }

        var errors = new List<UserError>();
        var fields = FieldsOf(definition, requestServices);
        for (var i = 0; i < (parameters.Columns?.Count ?? 0); i++)
        {
            var name = parameters.Columns![i];
            if (!fields.ContainsKey(name))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{name}' is not a field of {definition.PluralName}.", "columns", i.ToString(CultureInfo.InvariantCulture)));
            }
            else if (parameters.Columns.Take(i).Contains(name, StringComparer.Ordinal))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{name}' is named twice.", "columns", i.ToString(CultureInfo.InvariantCulture)));
            }
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        // The filter and order are those of the list: the list itself checks them (limits included), reading one row.
        try
        {
            await definition.ListAsync(requestServices, Arguments(parameters) with { First = 0 }, withTotalCount: false, cancellationToken);
        }
        catch (ExecutionError ex)
        {
            return [UserError.At(ex.Code ?? ErrorCodes.Validation, ex.Message, "where")];
        }
        catch (JobFailedException ex)
        {
            return [UserError.At(ex.Code, ex.Message, "order")];
        }

        return [];
    }

    protected override async Task<JobResult> RunAsync(JobContext<ExportParameters> context)
    {
        var parameters = context.Parameters;
        var cancellationToken = context.CancellationToken;
        var checkpoint = context.Checkpoint is { } saved ? JsonSerializer.Deserialize<ExportCheckpoint>(saved, Json)! : new ExportCheckpoint(ListPosition.Start, 0, 0, false);
        var rowsPath = Path.Combine(context.WorkFolder, RowsFile);
        var extension = parameters.Format == ExportFormat.Xlsx ? "xlsx" : "csv";
        var resultName = $"{parameters.EntityType}-export-{context.JobId.ToString(CultureInfo.InvariantCulture)}.{extension}";
        var resultPath = Path.Combine(context.WorkFolder, resultName);

        if (!checkpoint.Complete)
        {
            checkpoint = await WriteRowsAsync(context, checkpoint, rowsPath, cancellationToken);
        }

        if (parameters.Format == ExportFormat.Xlsx)
        {
            // A run that stopped after the rows file was turned into the XLSX left the XLSX whole.
            if (File.Exists(rowsPath))
            {
                await XlsxFile.WriteAsync(rowsPath, resultPath, cancellationToken);
                File.Delete(rowsPath);
            }

            return new JobResult(resultName, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        }

        // A run that stopped after the move left the CSV where it belongs already.
        if (File.Exists(rowsPath))
        {
            File.Move(rowsPath, resultPath, overwrite: true);
        }

        return new JobResult(resultName, "text/csv; charset=utf-8");
    }

    private async Task<ExportCheckpoint> WriteRowsAsync(JobContext<ExportParameters> context, ExportCheckpoint checkpoint, string rowsPath, CancellationToken cancellationToken)
    {
        var parameters = context.Parameters;
        await using var file = new FileStream(rowsPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 64 * 1024);
        // What a run that died wrote after its last checkpoint is cut off: those rows come again from the cursor.
        file.SetLength(checkpoint.Bytes);
        file.Seek(0, SeekOrigin.End);
        await using var text = new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024);
        await using var csv = new CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true);

        if (checkpoint.Bytes == 0)
        {
            if (parameters.Bom && parameters.Format == ExportFormat.Csv)
            {
                await text.WriteAsync('\uFEFF');
            }

            var header = await context.AsOwnerAsync(services => HeaderAsync(services, parameters, context.OwnerId, cancellationToken));
            foreach (var label in header)
            {
                csv.WriteField(label);
            }

            await csv.NextRecordAsync();
            checkpoint = await SaveAsync(context, file, csv, checkpoint, 0);
        }

        while (true)
        {
            var page = await context.AsOwnerAsync(services => ReadPageAsync(services, parameters, checkpoint, cancellationToken));
            foreach (var row in page.Rows)
            {
                foreach (var cell in row)
                {
                    csv.WriteField(cell);
                }

                await csv.NextRecordAsync();
            }

            checkpoint = await SaveAsync(context, file, csv, checkpoint with { Position = page.Next, Complete = !page.HasMore }, page.Rows.Count);
            if (checkpoint.Complete)
            {
                return checkpoint;
            }
        }
    }

    /// <summary>Makes what was written durable, then saves the checkpoint that covers it.</summary>
    private static async Task<ExportCheckpoint> SaveAsync(JobContext<ExportParameters> context, FileStream file, CsvWriter csv, ExportCheckpoint next, int added)
    {
        await csv.FlushAsync(); // the writer's buffer, then the text writer's, into the file
        file.Flush(flushToDisk: true);
        var saved = next with { Bytes = file.Length, Rows = next.Rows + added };
        var counts = new Dictionary<string, long> { ["rows"] = saved.Rows };
        await context.SaveAsync(new JobProgress(saved.Rows, saved.Position.Total, counts), JsonSerializer.Serialize(saved, Json));
        return saved;
    }

    private sealed record Page(IReadOnlyList<string[]> Rows, ListPosition Next, bool HasMore);

    private async Task<Page> ReadPageAsync(IServiceProvider services, ExportParameters parameters, ExportCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var definition = DefinitionOf(services, parameters);
        if (RefuseExport(services.GetRequiredService<ICurrentActor>(), definition) is { } refused)
        {
            throw new JobFailedException(ErrorCodes.Forbidden, refused);
        }

        var columns = Columns(definition, services, parameters);
        var page = await definition.ReadPageAsync(services, Arguments(parameters), options.PageSize, checkpoint.Position, countTotal: true, cancellationToken);
        var lists = await ExportCells.ListNames.LoadAsync(services.GetService<ISelectionLists>(), columns, page.Records, cancellationToken);
        var rows = page.Records.Select(record => columns.Select(field => ExportCells.Cell(field, record, lists)).ToArray()).ToList();
        return new Page(rows, page.Next, page.HasMore);
    }

    private static async Task<IReadOnlyList<string>> HeaderAsync(IServiceProvider services, ExportParameters parameters, long ownerId, CancellationToken cancellationToken)
    {
        var definition = DefinitionOf(services, parameters);
        var directory = services.GetService<IUserDirectory>();
        var language = (directory is null ? null : await directory.LanguageOfAsync(ownerId, cancellationToken)) ?? PluginSdk.Metadata.Labels.English;
        return [.. Columns(definition, services, parameters).Select(field => ExportCells.Neutralise(field.Labels.In(language, field.Name)))];
    }

    private static ICrmEntityDefinition DefinitionOf(IServiceProvider services, ExportParameters parameters) =>
        services.GetRequiredService<IEntityRegistry>().Find(parameters.EntityType) switch
        {
            ICrmEntityDefinition definition when definition.IsInService(services) => definition,
            // Queued before an administrator disabled its module: its rows stay, but are not exported meanwhile.
            ICrmEntityDefinition => throw new JobFailedException(ErrorCodes.Conflict, $"The record type '{parameters.EntityType}' is out of service: its module is disabled."),
            _ => throw new JobFailedException(ErrorCodes.NotFound, $"The record type '{parameters.EntityType}' is no longer on this server."),
        };

    private static IReadOnlyDictionary<string, EntityField> FieldsOf(ICrmEntityDefinition definition, IServiceProvider services) =>
        definition.FieldsFor(CustomFieldScope.Of(services));

    /// <summary>The fields the export shows, in order: those named, or every field; a custom field removed since the start is left out.</summary>
    private static List<EntityField> Columns(ICrmEntityDefinition definition, IServiceProvider services, ExportParameters parameters)
    {
        var fields = FieldsOf(definition, services);
        return parameters.Columns is { } names
            ? [.. names.Select(n => fields.GetValueOrDefault(n)).OfType<EntityField>()]
            : [.. fields.Values];
    }

    /// <summary>Null when the actor may export the type's records; else why not.</summary>
    private static string? RefuseExport(ICurrentActor actor, ICrmEntityDefinition definition) =>
        actor.IsAdministrator || actor.Rights.Level(definition.Name, PermissionAction.Export) > PermissionLevel.None
            ? null
            : $"Exporting {definition.PluralName} needs the EXPORT right.";

    private static ListArguments Arguments(ExportParameters parameters) =>
        new(FilterJson.ToWhere(parameters.Where), OrderOf(parameters.Order), null, null, null, null) { AlsoAllowing = PermissionAction.Export };

    /// <summary><c>[{ "amount": "DESC" }]</c> as the list's order takes it.</summary>
    private static List<IReadOnlyDictionary<string, object?>>? OrderOf(JsonArray? order)
    {
        if (order is null)
        {
            return null;
        }

        var keys = new List<IReadOnlyDictionary<string, object?>>(order.Count);
        foreach (var item in order)
        {
            if (item is not JsonObject pairs)
            {
                throw new JobFailedException(ErrorCodes.InvalidFormat, "'order' is a list of objects such as { \"amount\": \"DESC\" }.");
            }

            keys.Add(pairs.ToDictionary(p => p.Key, p => (object?)Direction(p.Key, p.Value)));
        }

        return keys;
    }

    private static SortDirection Direction(string field, JsonNode? value) =>
        ((value as JsonValue)?.TryGetValue<string>(out var given) == true ? given.ToUpperInvariant() : null) switch
        {
            "ASC" => SortDirection.Ascending,
            "DESC" => SortDirection.Descending,
            _ => throw new JobFailedException(ErrorCodes.InvalidValue, $"'order.{field}' must be ASC or DESC."),
        };
}
