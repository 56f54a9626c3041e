using System.Text.Json.Nodes;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Querying;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Export;

/// <summary><c>exportRecords(entityType:, viewId:, where:, order:, columns:, format:, bom:)</c>: starts an export job (public: the host finds contributions among public classes).</summary>
public sealed class ExportSchemaContributor(ExportOptions options) : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var format = new EnumerationGraphType { Name = "ExportFormat", Description = "The file an export writes." };
        format.Add("CSV", ExportFormat.Csv, "Comma-separated, UTF-8 (with a byte order mark unless 'bom: false'), RFC 4180 quoting.");
        format.Add("XLSX", ExportFormat.Xlsx, "An Excel workbook of one sheet.");

        var payload = new ObjectGraphType { Name = "ExportRecordsPayload", Description = "The export job, or why it was refused." };
        payload.AddField(new FieldType { Name = "job", ResolvedType = new GraphQLTypeReference(IJobs.GraphTypeName), Resolver = new FuncFieldResolver<object?>(c => ((JobStart)c.Source!).Job) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((JobStart)c.Source!).Errors) });

        composer.Mutation.AddField(new FieldType
        {
            Name = "exportRecords",
            Description = "Starts a job that writes the records of a type that you may read and that match 'where', in 'order', to a file: "
                + "columns labelled in your language, list values by their names, dates in ISO 8601. Needs the EXPORT right on the type. "
                + $"'columns' names at most {options.MaxColumns} fields (Export:MaxColumns); every field when left out. "
                + "'where' and 'order' are those of the type's list, as JSON: { \"title\": { \"contains\": \"x\" } }, [{ \"amount\": \"DESC\" }]. "
                + "'viewId' exports a saved view as it is when the export starts: its filter AND-ed with 'where', its order unless 'order' is given, its columns unless 'columns' are; "
                + "a condition naming a deleted field is left out and said in the response's extensions.warnings, as the lists do. "
                + "Follow the job with job(id:); when it succeeds, 'download' has the file's link.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
                ViewArgument.Create("A saved view (or saved filter) of the type to export: see the description."),
                new QueryArgument(composer.Types.Json) { Name = "where" },
                new QueryArgument(composer.Types.Json) { Name = "order" },
                new QueryArgument<ListGraphType<NonNullGraphType<StringGraphType>>> { Name = "columns" },
                new QueryArgument(new NonNullGraphType(format)) { Name = "format", DefaultValue = ExportFormat.Csv },
                new QueryArgument<BooleanGraphType> { Name = "bom", DefaultValue = true, Description = "CSV only: start with a UTF-8 byte order mark, which Excel needs to read UTF-8." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var where = c.GetArgument<object?>("where");
                var order = c.GetArgument<object?>("order");
                if (where is not null and not JsonObject)
                {
                    return new JobStart(null, [UserError.At(ErrorCodes.InvalidFormat, "'where' is an object, as the list's where.", "where")]);
                }

                if (order is not null and not JsonArray)
                {
                    return new JobStart(null, [UserError.At(ErrorCodes.InvalidFormat, "'order' is a list, as the list's order.", "order")]);
                }

                var columns = c.GetArgument<List<string>?>("columns");
                // Refused before the arguments are read any further (a list ten times too long costs nothing more).
                if (columns is { Count: var count } && count > options.MaxColumns)
                {
                    return new JobStart(null, [UserError.At(ErrorCodes.LimitExceeded, $"'columns' names {count} fields; the limit is {options.MaxColumns} (Export:MaxColumns).", "columns")]);
                }

                var entityType = c.GetArgument<string>("entityType");
                // The view is read once, as the caller, and stored with the job as what it said then.
                var view = await ViewArgument.ResolveAsync(c, entityType);
                var parameters = new ExportParameters(
                    entityType,
                    view is null ? where as JsonObject : view.CombinedWhereJson(where as JsonObject),
                    order as JsonArray ?? (view is { Order.Count: > 0 } ? OrderJson(view.Order) : null),
                    columns ?? (view is { Columns.Count: > 0 } ? [.. view.Columns.Select(v => v.Field)] : null),
                    c.GetArgument<ExportFormat>("format"),
                    c.GetArgument("bom", true));
                return await c.RequestServices!.GetRequiredService<IJobs>().StartAsync(ExportRecordsJob.KindName, parameters, c.CancellationToken);
            }),
        });
    }

    /// <summary>A view's order as the export stores it: <c>[{ "amount": "DESC" }]</c>.</summary>
    private static JsonArray OrderJson(IReadOnlyList<IReadOnlyDictionary<string, object?>> order) =>
        [.. order.Select(key => (JsonNode)new JsonObject(key.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value is SortDirection.Descending ? "DESC" : "ASC")))))];
}
