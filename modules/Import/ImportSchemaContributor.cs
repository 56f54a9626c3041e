using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Modules.Import.Mapping;
using Crm.Modules.Import.Reading;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Uploads;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Import;

/// <summary>What <c>previewImport</c> answers.</summary>
public sealed record ImportPreview(
    string? FileName,
    string? Format,
    string? Encoding,
    string? Delimiter,
    IReadOnlyList<string> Headers,
    IReadOnlyList<IReadOnlyList<string>> Rows,
    IReadOnlyList<ColumnMapping> SuggestedMapping,
    IReadOnlyList<ImportTargetChoice> Targets,
    IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>previewImport(fileId:, entityType:, options:)</c> (the file as an import would read it, and a
/// suggested mapping) and <c>startImport(entityType:, fileId:, options:)</c>, which starts an import job.
/// </summary>
public sealed class ImportSchemaContributor(ImportOptions options) : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var duplicates = new EnumerationGraphType { Name = "ImportDuplicates", Description = "What an import does with a row that matches an existing record ('matchBy')." };
        duplicates.Add("CREATE", DuplicateHandling.Create, "Creates the record anyway; rows are not matched.");
        duplicates.Add("SKIP", DuplicateHandling.Skip, "Leaves the row out (counted as skipped).");
        duplicates.Add("UPDATE", DuplicateHandling.Update, "Updates the oldest matching record that you may read with the row's values.");

        var matchBy = new EnumerationGraphType { Name = "ImportMatchRule", Description = "How rows are matched to existing records: the Duplicates module's keys." };
        matchBy.Add("EMAIL", "EMAIL", "The same e-mail.");
        matchBy.Add("PHONE", "PHONE", "The same phone (its last nine digits).");
        matchBy.Add("NAME_IN_COMPANY", "NAME_IN_COMPANY", "The same name under the same company.");

        var mappingInput = new InputObjectGraphType { Name = "ImportColumnMappingInput", Description = "A column and the field it fills." };
        mappingInput.AddField(new FieldType { Name = "column", ResolvedType = new NonNullGraphType(new StringGraphType()), Description = "The column's header (without case), or its 1-based number when the file has no header row." });
        mappingInput.AddField(new FieldType
        {
            Name = "field",
            ResolvedType = new NonNullGraphType(new StringGraphType()),
            Description = "A field of the type's create input (custom fields by their field names); a contact-point field may name its value type: 'phones:MOBILE'.",
        });

        var mapping = new ObjectGraphType { Name = "ImportColumnMapping", Description = "A column and the field it fills." };
        mapping.AddField(SharedGraphTypes.Field<ColumnMapping>("column", typeof(NonNullGraphType<StringGraphType>), m => m.Column));
        mapping.AddField(SharedGraphTypes.Field<ColumnMapping>("field", typeof(NonNullGraphType<StringGraphType>), m => m.Field));

        var optionsInput = new InputObjectGraphType { Name = "ImportOptionsInput", Description = "How a file is read and imported." };
        optionsInput.AddField(new FieldType { Name = "encoding", ResolvedType = new StringGraphType(), Description = "UTF-8, UTF-16LE, UTF-16BE, WINDOWS-1250 or ISO-8859-2; detected when left out (a byte order mark, else strict UTF-8, else WINDOWS-1250)." });
        optionsInput.AddField(new FieldType { Name = "delimiter", ResolvedType = new StringGraphType(), Description = "',', ';', TAB or '|'; detected when left out (the most common of ',', ';' and tab in the first line)." });
        optionsInput.AddField(new FieldType { Name = "hasHeaderRow", ResolvedType = new BooleanGraphType(), DefaultValue = true });
        optionsInput.AddField(new FieldType
        {
            Name = "mapping",
            ResolvedType = new ListGraphType(new NonNullGraphType(mappingInput)),
            Description = $"Which column fills which field (at most {options.MaxMappingEntries}, Import:MaxMappingEntries); columns not named are left out. previewImport suggests one.",
        });
        optionsInput.AddField(new FieldType
        {
            Name = "defaults",
            ResolvedType = composer.Types.Json,
            Description = $"Values every row gets unless its cell gives one, as the create input takes them: {{ \"sourceId\": \"WEB\" }} (at most {options.MaxDefaultsBytes} bytes of JSON, Import:MaxDefaultsBytes).",
        });
        optionsInput.AddField(new FieldType { Name = "duplicates", ResolvedType = duplicates, DefaultValue = DuplicateHandling.Create, Description = "SKIP and UPDATE need the Duplicates module and 'matchBy'." });
        optionsInput.AddField(new FieldType { Name = "matchBy", ResolvedType = matchBy });
        optionsInput.AddField(new FieldType { Name = "dryRun", ResolvedType = new BooleanGraphType(), DefaultValue = false, Description = "Checks every row as the import would, and writes nothing: the counts and rejected rows say what it would do." });

        var preview = new ObjectGraphType { Name = "ImportPreview", Description = "A file as an import would read it, and a suggested mapping." };
        preview.AddField(SharedGraphTypes.Field<ImportPreview>("fileName", typeof(StringGraphType), p => p.FileName));
        preview.AddField(SharedGraphTypes.Field<ImportPreview>("format", typeof(StringGraphType), p => p.Format, "CSV or XLSX (by the file's content)."));
        preview.AddField(SharedGraphTypes.Field<ImportPreview>("encoding", typeof(StringGraphType), p => p.Encoding, "A CSV's encoding, as given or detected."));
        preview.AddField(SharedGraphTypes.Field<ImportPreview>("delimiter", typeof(StringGraphType), p => p.Delimiter, "A CSV's delimiter, as given or detected (TAB for a tab)."));
        preview.AddField(SharedGraphTypes.Field<ImportPreview>("headers", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), p => p.Headers,
            "The header row's cells; empty without a header row."));
        preview.AddField(SharedGraphTypes.Field<ImportPreview>("rows", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>>), p => p.Rows,
            $"The first data rows (Import:PreviewRows, {options.PreviewRows})."));
        preview.AddField(new FieldType
        {
            Name = "suggestedMapping",
            ResolvedType = new NonNullGraphType(new ListGraphType(new NonNullGraphType(mapping))),
            Description = "The columns whose headers name a field (English, Polish, Bitrix24's export headers, the fields' labels), with that field.",
            Resolver = new FuncFieldResolver<object?>(c => ((ImportPreview)c.Source!).SuggestedMapping),
        });
        var target = new ObjectGraphType { Name = "ImportTarget", Description = "A field a column may fill, as 'mapping' names it." };
        target.AddField(SharedGraphTypes.Field<ImportTargetChoice>("field", typeof(NonNullGraphType<StringGraphType>), t => t.Field, "What 'mapping' names: 'lastName', 'phones:MOBILE', 'companyIds'."));
        target.AddField(SharedGraphTypes.Field<ImportTargetChoice>("label", typeof(NonNullGraphType<StringGraphType>), t => t.Label, "The field's label in your language (an input-only link list: the linked type's)."));
        target.AddField(SharedGraphTypes.Field<ImportTargetChoice>("valueType", typeof(StringGraphType), t => t.ValueType, "A contact point's value type ('MOBILE'); null for the field itself."));
        preview.AddField(new FieldType
        {
            Name = "targets",
            ResolvedType = SchemaComposer.NonNullList(target),
            Description = "Every field a column may fill: the type's writable fields (custom fields included) but addresses and record links, each contact-point field "
                + "also with each of its value types, and the input-only fields (a contact's 'companyIds').",
            Resolver = new FuncFieldResolver<object?>(c => ((ImportPreview)c.Source!).Targets),
        });
        preview.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((ImportPreview)c.Source!).Errors) });

        var payload = new ObjectGraphType { Name = "StartImportPayload", Description = "The import job, or why it was refused." };
        payload.AddField(new FieldType { Name = "job", ResolvedType = new GraphQLTypeReference(IJobs.GraphTypeName), Resolver = new FuncFieldResolver<object?>(c => ((JobStart)c.Source!).Job) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((JobStart)c.Source!).Errors) });

        var arguments = new Func<QueryArguments>(() => new QueryArguments(
            new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
            new QueryArgument(new NonNullGraphType(new IdGraphType())) { Name = "fileId", Description = "An uploaded file of yours (uploadFile, POST /uploads)." },
            new QueryArgument(optionsInput) { Name = "options" }));

        composer.Query.AddField(new FieldType
        {
            Name = "previewImport",
            Description = "Reads the start of an uploaded file as an import of 'entityType' would: its format, encoding and delimiter, headers, first rows, and a suggested mapping. Needs the IMPORT right.",
            ResolvedType = new NonNullGraphType(preview),
            Arguments = arguments(),
            Resolver = new FuncFieldResolver<object?>(PreviewAsync),
        });

        composer.Mutation.AddField(new FieldType
        {
            Name = "startImport",
            Description = "Starts a job that imports an uploaded CSV or XLSX file into records of 'entityType', each row through the type's own create (or update, for duplicates: UPDATE), as you. "
                + "Needs the IMPORT right on the type. Follow the job with job(id:): its counts 'imported', 'updated', 'skipped' and 'rejected'; "
                + "when rows were rejected, 'download' is a CSV of them (their own cells and an 'Import error' column with the row, the column and the reason), to fix and import again.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = arguments(),
            Resolver = new FuncFieldResolver<object?>(StartAsync),
        });
    }

    private async ValueTask<object?> StartAsync(IResolveFieldContext c)
    {
        var (parameters, errors) = await ParametersAsync(c);
        return parameters is null
            ? new JobStart(null, errors)
            : await c.RequestServices!.GetRequiredService<IJobs>().StartAsync(ImportRecordsJob.KindName, parameters, c.CancellationToken);
    }

    /// <summary>The job's parameters from the arguments, the bounds of the arguments refused before anything is read.</summary>
    private async Task<(ImportParameters? Parameters, IReadOnlyList<UserError> Errors)> ParametersAsync(IResolveFieldContext c)
    {
        var given = c.GetArgument<Dictionary<string, object?>?>("options") ?? [];
        var mapping = given.GetValueOrDefault("mapping") as IEnumerable<object?>;
        var entries = mapping?.Cast<Dictionary<string, object?>>().ToList() ?? [];
        if (entries.Count > options.MaxMappingEntries)
        {
            return (null, [UserError.At(ErrorCodes.LimitExceeded, $"'mapping' has {entries.Count} entries; the limit is {options.MaxMappingEntries} (Import:MaxMappingEntries).", "options", "mapping")]);
        }

        var defaults = given.GetValueOrDefault("defaults");
        if (defaults is not null and not JsonObject)
        {
            return (null, [UserError.At(ErrorCodes.InvalidFormat, "'defaults' is an object of field values.", "options", "defaults")]);
        }

        if (defaults is JsonObject json && Encoding.UTF8.GetByteCount(json.ToJsonString()) is var size && size > options.MaxDefaultsBytes)
        {
            return (null, [UserError.At(ErrorCodes.LimitExceeded, $"'defaults' is {size} bytes of JSON; the limit is {options.MaxDefaultsBytes} (Import:MaxDefaultsBytes).", "options", "defaults")]);
        }

        if (!long.TryParse(c.GetArgument<string>("fileId"), NumberStyles.None, CultureInfo.InvariantCulture, out var fileId))
        {
            return (null, [UserError.At(ErrorCodes.InvalidId, "'fileId' is not a file id.", "fileId")]);
        }

        var file = await c.RequestServices!.GetRequiredService<IUploads>().FindAsync(fileId, c.CancellationToken);
        var parameters = new ImportParameters(
            c.GetArgument<string>("entityType"),
            fileId,
            file?.FileName ?? "",
            given.GetValueOrDefault("encoding") as string,
            given.GetValueOrDefault("delimiter") as string,
            given.GetValueOrDefault("hasHeaderRow") as bool? ?? true,
            [.. entries.Select(e => new ColumnMapping((string)e["column"]!, (string)e["field"]!))],
            defaults as JsonObject,
            given.GetValueOrDefault("duplicates") as DuplicateHandling? ?? DuplicateHandling.Create,
            given.GetValueOrDefault("matchBy") as string,
            given.GetValueOrDefault("dryRun") as bool? ?? false);
        return (parameters, []);
    }

    private async ValueTask<object?> PreviewAsync(IResolveFieldContext c)
    {
        var services = c.RequestServices!;
        ImportPreview Refused(params UserError[] errors) => new(null, null, null, null, [], [], [], [], errors);
        var entityType = c.GetArgument<string>("entityType");
        if (services.GetRequiredService<IEntityRegistry>().Find(entityType) is not ICrmEntityDefinition definition)
        {
            return Refused(UserError.At(ErrorCodes.NotFound, $"There is no record type '{entityType}'.", "entityType"));
        }

        if (ImportChecks.RefuseImport(services.GetRequiredService<ICurrentActor>(), definition) is { } refused)
        {
            return Refused(UserError.At(ErrorCodes.Forbidden, refused, "entityType"));
        }

        var given = c.GetArgument<Dictionary<string, object?>?>("options") ?? [];
        var uploads = services.GetRequiredService<IUploads>();
        if (!long.TryParse(c.GetArgument<string>("fileId"), NumberStyles.None, CultureInfo.InvariantCulture, out var fileId)
            || await uploads.FindAsync(fileId, c.CancellationToken) is not { } file)
        {
            return Refused(UserError.At(ErrorCodes.NotFound, "There is no such file of yours (uploads expire after a while; upload it again).", "fileId"));
        }

        await using var stream = await uploads.OpenReadAsync(file, c.CancellationToken);
        try
        {
            var format = TableFile.Detect(stream, given.GetValueOrDefault("encoding") as string, given.GetValueOrDefault("delimiter") as string);
            var hasHeaderRow = given.GetValueOrDefault("hasHeaderRow") as bool? ?? true;
            var rows = TableFile.Rows(stream, format, options, c.CancellationToken).Take(options.PreviewRows + (hasHeaderRow ? 1 : 0)).Select(r => r.Cells).ToList();
            var headers = hasHeaderRow && rows.Count > 0 ? rows[0] : [];
            var widest = rows.Count == 0 ? 0 : rows.Max(r => r.Length);
            if (widest > options.MaxColumns)
            {
                return Refused(UserError.At(ErrorCodes.LimitExceeded, $"The file has rows of {widest} columns; the limit is {options.MaxColumns} (Import:MaxColumns).", "fileId"));
            }

            var data = rows.Skip(hasHeaderRow ? 1 : 0).Select(r => (IReadOnlyList<string>)[.. r.Select(cell => Cut(cell))]).ToList();
            var suggested = hasHeaderRow
                ? HeaderSuggestions.Suggest(definition, services, headers).Select((field, i) => (field, i)).Where(p => p.field is not null)
                    .Select(p => new ColumnMapping(headers[p.i], p.field!)).ToList()
                : [];
            var language = services.GetRequiredService<ICurrentActor>().UserId is { } userId && services.GetService<IUserDirectory>() is { } directory
                ? await directory.LanguageOfAsync(userId, c.CancellationToken)
                : null;
            var targets = ImportTargets.Offered(definition, services, language ?? PluginSdk.Metadata.Labels.English);
            return new ImportPreview(file.FileName, format.Xlsx ? "XLSX" : "CSV", format.EncodingName, format.DelimiterName, [.. headers.Select(h => Cut(h))], data, suggested, targets, []);
        }
        catch (TableFileException ex)
        {
            return Refused(UserError.At(ex.Code, ex.Message, "options"));
        }
    }

    /// <summary>A preview's cell, bounded: a preview is for the eye.</summary>
    private static string Cut(string cell) => cell.Length <= 500 ? cell : cell[..500] + "…";
}
