using System.Globalization;
using System.Text;
using System.Text.Json;
using Crm.Modules.Import.Data;
using Crm.Modules.Import.Mapping;
using Crm.Modules.Import.Reading;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Uploads;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Import;

/// <summary>
/// The import job. The uploaded file is first copied into the job's folder (an upload that
/// expires does not stop a resumed run) and its rows counted (the row limit is refused before
/// anything is written). Then rows go in batches, each batch in one transaction with its
/// <see cref="ImportProgress"/>: every row through the type's own create (the batch's new records
/// created together, see <see cref="BatchRows"/>) or update, as the owner,
/// and the progress row moved on only if it still says where this run began the batch. A run that
/// dies leaves its batch undone and its progress where it was; a run whose job was taken over finds
/// the progress moved and writes nothing. So a resumed import imports every row exactly once.
/// </summary>
public sealed class ImportRecordsJob(ImportOptions options) : JobKind<ImportParameters>
{
    public const string KindName = "import.records";

    private const string SourceFile = "source";
    private const string RejectedSuffix = "-rejected.csv";

    /// <summary>The most records a row is matched against when duplicates are looked for.</summary>
    private const int MaxMatches = 5;

    public override string Name => KindName;

    protected override async Task<IReadOnlyList<UserError>> ValidateAsync(IServiceProvider requestServices, ImportParameters parameters, CancellationToken cancellationToken)
    {
        if (requestServices.GetRequiredService<IEntityRegistry>().Find(parameters.EntityType) is not ICrmEntityDefinition definition)
        {
            return [UserError.At(ErrorCodes.NotFound, $"There is no record type '{parameters.EntityType}'.", "entityType")];
        }

        if (ImportChecks.RefuseImport(requestServices.GetRequiredService<ICurrentActor>(), definition) is { } refused)
        {
            return [UserError.At(ErrorCodes.Forbidden, refused, "entityType")];
        }

        var errors = new List<UserError>();
        errors.AddRange(ImportChecks.Bounds(parameters, options));
        errors.AddRange(ImportChecks.Duplicates(requestServices, definition, parameters));
        var (defaultValues, defaultErrors) = RowBinder.ReadDefaults(definition, requestServices, parameters.Defaults);
        errors.AddRange(defaultErrors);
        if (defaultErrors.Count == 0 && defaultValues.Count > 0)
        {
            // Checked by the fields' own rules (a range, a link's target) as an update's input is:
            // every row would carry a refused default, so it is refused once, here, not once per row.
            errors.AddRange(await definition.CheckInputAtAsync(requestServices, defaultValues, ["options", "defaults"], cancellationToken));
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        var uploads = requestServices.GetRequiredService<IUploads>();
        if (await uploads.FindAsync(parameters.FileId, cancellationToken) is not { } file)
        {
            return [UserError.At(ErrorCodes.NotFound, $"There is no file {parameters.FileId} of yours (uploads expire after a while; upload it again).", "fileId")];
        }

        // The header row names the mapping's columns: read it (one row) to check them now.
        try
        {
            await using var stream = await uploads.OpenReadAsync(file, cancellationToken);
            var format = TableFile.Detect(stream, parameters.Encoding, parameters.Delimiter);
            var header = parameters.HasHeaderRow ? TableFile.Rows(stream, format, options, cancellationToken).Select(r => r.Cells).FirstOrDefault() ?? [] : null;
            var (_, mappingErrors) = ImportChecks.Columns(definition, requestServices, parameters, header);
            return mappingErrors;
        }
        catch (TableFileException ex)
        {
            return [UserError.At(ex.Code, ex.Message, "options")];
        }
    }

    protected override async Task<JobResult> RunAsync(JobContext<ImportParameters> context)
    {
        var parameters = context.Parameters;
        var cancellationToken = context.CancellationToken;
        var sourcePath = Path.Combine(context.WorkFolder, SourceFile);
        if (!File.Exists(sourcePath))
        {
            await CopySourceAsync(context, sourcePath);
        }

        await using var source = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        TableFormat format;
        try
        {
            format = TableFile.Detect(source, parameters.Encoding, parameters.Delimiter);
        }
        catch (TableFileException ex)
        {
            throw new JobFailedException(ex.Code, ex.Message);
        }

        var progress = await context.AsOwnerAsync(services => services.GetRequiredService<ImportDbContext>().Progress.AsNoTracking()
            .SingleOrDefaultAsync(p => p.JobId == context.JobId, cancellationToken));
        var total = context.Checkpoint is { } saved ? JsonSerializer.Deserialize<long>(saved) : (long?)null;
        if (progress is null || total is null)
        {
            total = CountRows(source, format, parameters.HasHeaderRow, cancellationToken);
            progress ??= await StartProgressAsync(context);
            await context.SaveAsync(Progress(progress, total), JsonSerializer.Serialize(total.Value));
        }

        var baseName = Path.GetFileNameWithoutExtension(parameters.FileName);
        var rejectedName = $"import-{context.JobId.ToString(CultureInfo.InvariantCulture)}{RejectedSuffix}";
        var rejectedPath = Path.Combine(context.WorkFolder, rejectedName);
        await using (var rejected = new RejectedRows(rejectedPath, progress.RejectedBytes, format.Xlsx ? ',' : format.Delimiter))
        {
            string[]? header = null;
            var batch = new List<(long Number, string[] Cells)>(options.BatchSize);
            foreach (var row in TableFile.Rows(source, format, options, cancellationToken))
            {
                if (parameters.HasHeaderRow && header is null)
                {
                    header = row.Cells;
                    if (rejected.Length == 0)
                    {
                        rejected.WriteHeader(header);
                    }

                    continue;
                }

                if (row.Number < progress.NextRow)
                {
                    continue;
                }

                batch.Add(row);
                if (batch.Count == options.BatchSize)
                {
                    progress = await ImportBatchAsync(context, progress, batch, header, rejected, row.Number + 1);
                    await context.SaveAsync(Progress(progress, total), JsonSerializer.Serialize(total.Value));
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                progress = await ImportBatchAsync(context, progress, batch, header, rejected, long.MaxValue);
                await context.SaveAsync(Progress(progress, total), JsonSerializer.Serialize(total.Value));
            }
        }

        File.Delete(sourcePath);
        return progress.Rejected > 0
            ? new JobResult(rejectedName, "text/csv; charset=utf-8", $"{baseName}{RejectedSuffix}")
            : JobResult.Empty;
    }

    private static JobProgress Progress(ImportProgress progress, long? total) => new(
        progress.Imported + progress.Updated + progress.Skipped + progress.Rejected,
        total,
        new Dictionary<string, long>
        {
            ["imported"] = progress.Imported,
            ["updated"] = progress.Updated,
            ["skipped"] = progress.Skipped,
            ["rejected"] = progress.Rejected,
        });

    /// <summary>Copies the upload into the job's folder as the owner (only theirs is found), through a temporary name: a copy cut short is never taken for whole.</summary>
    private static Task<bool> CopySourceAsync(JobContext<ImportParameters> context, string sourcePath) =>
        context.AsOwnerAsync(async services =>
        {
            var uploads = services.GetRequiredService<IUploads>();
            var file = await uploads.FindAsync(context.Parameters.FileId, context.CancellationToken)
                ?? throw new JobFailedException(ErrorCodes.NotFound, $"The uploaded file {context.Parameters.FileId} is gone (expired or deleted); upload it again.");
            var partial = sourcePath + ".partial";
            await using (var from = await uploads.OpenReadAsync(file, context.CancellationToken))
            await using (var to = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                await from.CopyToAsync(to, context.CancellationToken);
                to.Flush(flushToDisk: true);
            }

            File.Move(partial, sourcePath, overwrite: true);
            return true;
        });

    /// <summary>The file's data rows, counted before anything is written; refused beyond <see cref="ImportOptions.MaxRows"/>.</summary>
    private long CountRows(Stream source, TableFormat format, bool hasHeaderRow, CancellationToken cancellationToken)
    {
        long rows = 0;
        try
        {
            foreach (var _ in TableFile.Rows(source, format, options, cancellationToken))
            {
                if (++rows > options.MaxRows + (hasHeaderRow ? 1 : 0))
                {
                    throw new JobFailedException(ErrorCodes.LimitExceeded, $"The file has more than {options.MaxRows} rows (Import:MaxRows); nothing was imported.");
                }
            }
        }
        catch (TableFileException ex)
        {
            throw new JobFailedException(ex.Code, ex.Message + " Nothing was imported.");
        }
        finally
        {
            source.Seek(0, SeekOrigin.Begin);
        }

        return Math.Max(0, rows - (hasHeaderRow ? 1 : 0));
    }

    private static Task<ImportProgress> StartProgressAsync(JobContext<ImportParameters> context) =>
        context.AsOwnerAsync(async services =>
        {
            var db = services.GetRequiredService<ImportDbContext>();
            var progress = new ImportProgress { JobId = context.JobId, NextRow = 0 };
            db.Progress.Add(progress);
            await db.SaveChangesAsync(context.CancellationToken);
            return progress;
        });

    /// <summary>
    /// Imports the rows of one batch in one transaction with the progress that covers them (a dry
    /// run rolls them back and saves only the progress). A batch the database refuses as a whole (a
    /// row breaking a constraint the binder does not check) is done again one row per transaction,
    /// so that the row at fault alone is rejected.
    /// </summary>
    private async Task<ImportProgress> ImportBatchAsync(JobContext<ImportParameters> context, ImportProgress progress, List<(long Number, string[] Cells)> batch, string[]? header,
        RejectedRows rejected, long nextRow)
    {
        try
        {
            return await WriteAsync(context, progress, batch, header, rejected, nextRow);
        }
        catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException && batch.Count > 1)
        {
            rejected.CutBack(progress.RejectedBytes);
            for (var i = 0; i < batch.Count; i++)
            {
                progress = await WriteOneAsync(context, progress, batch[i], header, rejected, i == batch.Count - 1 ? nextRow : batch[i + 1].Number);
            }

            return progress;
        }
    }

    private async Task<ImportProgress> WriteOneAsync(JobContext<ImportParameters> context, ImportProgress progress, (long Number, string[] Cells) row, string[]? header,
        RejectedRows rejected, long nextRow)
    {
        try
        {
            return await WriteAsync(context, progress, [row], header, rejected, nextRow);
        }
        catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException)
        {
            rejected.CutBack(progress.RejectedBytes);
            var outcome = new BatchOutcome();
            outcome.Reject(row, new RowRejection("", ErrorCodes.Conflict, "The database refused the row: " + (ex.InnerException?.Message ?? ex.Message)), rejected);
            return await SaveProgressAsync(context, progress, outcome, rejected, nextRow);
        }
    }

    private sealed class BatchOutcome
    {
        public long Imported { get; set; }

        public long Updated { get; set; }

        public long Skipped { get; set; }

        public long Rejected { get; set; }

        public void Reject((long Number, string[] Cells) row, RowRejection rejection, RejectedRows file)
        {
            Rejected++;
            file.Write(row.Cells, row.Number, rejection);
        }

        /// <summary>Counts a row's outcome; a rejected row goes to the rejected file (rows are added in file order).</summary>
        public void Add((long Number, string[] Cells) row, RowOutcome fate, RejectedRows file)
        {
            switch (fate.Fate)
            {
                case RowFate.Imported:
                    Imported++;
                    break;
                case RowFate.Updated:
                    Updated++;
                    break;
                case RowFate.Skipped:
                    Skipped++;
                    break;
                default:
                    Reject(row, fate.Rejection!, file);
                    break;
            }
        }
    }

    private Task<ImportProgress> WriteAsync(JobContext<ImportParameters> context, ImportProgress progress, List<(long Number, string[] Cells)> rows, string[]? header,
        RejectedRows rejected, long nextRow) =>
        context.AsOwnerAsync(async services =>
        {
            var parameters = context.Parameters;
            var cancellationToken = context.CancellationToken;
            // The changes are the import's: its records' history and timeline say "import N".
            (services.GetRequiredService<ICurrentActor>() as CurrentActor)?.ActingThrough(ActorKind.Import,
                $"{ChangeOrigin.Channels.Import}:{context.JobId.ToString(CultureInfo.InvariantCulture)}");
            var definition = services.GetRequiredService<IEntityRegistry>().Find(parameters.EntityType) switch
            {
                ICrmEntityDefinition found when found.IsInService(services) => found,
                // Queued before an administrator disabled its module: no record of it is made meanwhile.
                ICrmEntityDefinition => throw new JobFailedException(ErrorCodes.Conflict, $"The record type '{parameters.EntityType}' is out of service: its module is disabled."),
                _ => throw new JobFailedException(ErrorCodes.NotFound, $"The record type '{parameters.EntityType}' is no longer on this server."),
            };
            if (ImportChecks.RefuseImport(services.GetRequiredService<ICurrentActor>(), definition) is { } refused)
            {
                throw new JobFailedException(ErrorCodes.Forbidden, refused);
            }

            var (columns, mappingErrors) = ImportChecks.Columns(definition, services, parameters, header);
            var (defaults, defaultErrors) = RowBinder.ReadDefaults(definition, services, parameters.Defaults);
            if (mappingErrors.Concat(defaultErrors).FirstOrDefault() is { } changed)
            {
                // A field deleted since the start (a custom field): the rows still to come cannot be bound as asked.
                throw new JobFailedException(changed.Code, changed.Message);
            }

            var binder = await RowBinder.CreateAsync(services, columns, defaults, options, cancellationToken);
            var matcher = parameters.Duplicates == DuplicateHandling.Create ? null : services.GetService<IDuplicateMatcher>()
                ?? throw new JobFailedException(ErrorCodes.InvalidValue, "Matching duplicates needs the Duplicates module, which is now off.");
            var session = services.GetRequiredService<CrmDatabaseSession>();
            var startBytes = rejected.Length;
            var outcome = new BatchOutcome();
            var saved = await session.InTransactionAsync(async () =>
            {
                var fates = await new BatchRows(services, definition, binder, matcher, parameters, MaxMatches).WriteAsync(rows, cancellationToken);
                for (var i = 0; i < rows.Count; i++)
                {
                    outcome.Add(rows[i], fates[i], rejected);
                }

                return parameters.DryRun ? progress : await SaveProgressInTransactionAsync(services, context, progress, outcome, rejected, nextRow);
            }, shouldCommit: _ => !parameters.DryRun, cancellationToken);
            if (!parameters.DryRun)
            {
                return saved;
            }

            // A dry run's writes were rolled back; its progress and rejected rows are kept.
            return await SaveProgressAsync(services, context, progress, outcome, rejected, nextRow);
        });

    /// <summary>
    /// Moves the progress on in the batch's transaction, only from where this run found it: when
    /// another run (the job taken over) moved it meanwhile, the batch is rolled back and this run stops.
    /// </summary>
    private static async Task<ImportProgress> SaveProgressInTransactionAsync(IServiceProvider services, JobContext<ImportParameters> context, ImportProgress progress, BatchOutcome outcome,
        RejectedRows rejected, long nextRow)
    {
        var next = Next(progress, outcome, rejected, nextRow);
        var db = services.GetRequiredService<ImportDbContext>();
        var moved = await db.Progress.Where(p => p.JobId == context.JobId && p.NextRow == progress.NextRow)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.NextRow, next.NextRow)
                .SetProperty(p => p.Imported, next.Imported)
                .SetProperty(p => p.Updated, next.Updated)
                .SetProperty(p => p.Skipped, next.Skipped)
                .SetProperty(p => p.Rejected, next.Rejected)
                .SetProperty(p => p.RejectedBytes, next.RejectedBytes), context.CancellationToken);
        if (moved != 1)
        {
            throw new OperationCanceledException("Another run of the import moved its progress: this run stops, its batch rolled back.");
        }

        return next;
    }

    private static Task<ImportProgress> SaveProgressAsync(JobContext<ImportParameters> context, ImportProgress progress, BatchOutcome outcome, RejectedRows rejected, long nextRow) =>
        context.AsOwnerAsync(services => SaveProgressAsync(services, context, progress, outcome, rejected, nextRow));

    private static Task<ImportProgress> SaveProgressAsync(IServiceProvider services, JobContext<ImportParameters> context, ImportProgress progress, BatchOutcome outcome,
        RejectedRows rejected, long nextRow) =>
        services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(
            () => SaveProgressInTransactionAsync(services, context, progress, outcome, rejected, nextRow), cancellationToken: context.CancellationToken);

    /// <summary>The progress after a batch; the rejected rows it wrote are made durable first, so the length it records is good.</summary>
    private static ImportProgress Next(ImportProgress progress, BatchOutcome outcome, RejectedRows rejected, long nextRow) => new()
    {
        JobId = progress.JobId,
        NextRow = nextRow,
        Imported = progress.Imported + outcome.Imported,
        Updated = progress.Updated + outcome.Updated,
        Skipped = progress.Skipped + outcome.Skipped,
        Rejected = progress.Rejected + outcome.Rejected,
        RejectedBytes = rejected.Flush(),
    };
}
