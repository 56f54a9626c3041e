using System.Security.Claims;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;

namespace Crm.Host.GraphQL;

/// <summary>A document parsed (or found in the cache) and within the limits, with the schema it runs on.</summary>
public sealed record PreparedDocument(ISchema Schema, GraphQLDocument Document, GraphQLOperationDefinition? Operation, DocumentCache.Entry? Cached);

/// <summary>
/// What every transport does with a GraphQL document, the same way: the document cache, the
/// token and shape limits before validation (<see cref="DocumentLimits"/>), the root field and
/// cost rules, serial execution and the errors' codes (<see cref="GraphQLErrorShaping"/>).
/// HTTP (<see cref="GraphQLHttpEndpoint"/>) and WebSocket (<see cref="WebSockets.GraphQLWebSocketConnection"/>) differ only in how they carry it.
/// </summary>
public sealed class GraphQLExecution(
    SchemaProvider schemas,
    DocumentCache documents,
    IDocumentExecuter executer,
    QueryLimits limits,
    ILogger<GraphQLExecution> logger)
{
    /// <summary>The document, or the result that refuses it (not executed: a syntax error or a limit).</summary>
    public (PreparedDocument? Prepared, ExecutionResult? Refusal) Prepare(string query, string? operationName)
    {
        // The request keeps this schema, and the custom fields it was composed with, to its end.
        var schema = schemas.Current;
        var cached = documents.Find(query, operationName);
        GraphQLDocument document;
        try
        {
            // Counted before parsing, and the shape right after, before validation: see DocumentLimits.
            // A cached document passed both under the same limits (they are read once, at start).
            var over = cached is null ? DocumentLimits.CheckTokens(query, limits) : null;
            document = cached?.Document ?? (over is null ? Parser.Parse(query, new ParserOptions { Ignore = IgnoreOptions.Comments }) : null!);
            over ??= cached is null ? DocumentLimits.CheckShape(document, limits) : null;
            if (over is not null)
            {
                return (null, Refused(ErrorCodes.LimitExceeded, over));
            }
        }
        catch (GraphQLSyntaxErrorException ex)
        {
            return (null, new ExecutionResult { Executed = false, Errors = [new SyntaxError(ex) { Code = "SYNTAX_ERROR" }] });
        }
        catch (GraphQLMaxDepthExceededException)
        {
            return (null, Refused(ErrorCodes.LimitExceeded, $"The document nests too deeply to parse; the query depth limit is {limits.MaxDepth} (Limits:MaxDepth)."));
        }

        return (new PreparedDocument(schema, document, FindOperation(document, operationName), cached), null);
    }

    /// <summary>Runs a prepared document; the result's errors carry the API's codes.</summary>
    public async Task<ExecutionResult> ExecuteAsync(PreparedDocument prepared, string query, string? operationName, Inputs? variables, Inputs? extensions,
        IServiceProvider services, ClaimsPrincipal? user, string traceId, CancellationToken cancellationToken)
    {
        var schema = prepared.Schema;
        // Plugins loaded at run time have containers of their own: their services stand behind the request's.
        services = services.GetService<Modules.Runtime.RuntimePlugins>()?.Wrap(services) ?? services;
        if (schema.Metadata.TryGetValue(SchemaComposer.CustomFieldsMetadataKey, out var snapshot) && snapshot is CustomFieldSnapshot fields)
        {
            services.GetRequiredService<CustomFieldScope>().Snapshot = fields;
        }

        var validated = prepared.Cached?.IsValidFor(schema) == true;
        var result = await executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = schema,
            Document = prepared.Document,
            Query = query,
            OperationName = operationName,
            Variables = variables,
            Extensions = extensions,
            RequestServices = services,
            User = user,
            CancellationToken = cancellationToken,
            // Root fields first (a refused login need not wait for the rest), the cost last. Those
            // two depend on the operation and the variables: they run for every request.
            ValidationRules = validated
                ? [new RootFieldLimitsRule(limits), new QueryLimitsRule(limits)]
                : [new RootFieldLimitsRule(limits), .. DocumentValidator.CoreRules, new QueryLimitsRule(limits)],
            UnhandledExceptionDelegate = context =>
            {
                logger.LogError(context.OriginalException, "Unhandled error in GraphQL field {Field} (trace {TraceId}).",
                    context.FieldContext?.FieldDefinition.Name, traceId);
                context.ErrorMessage = $"Internal error (trace {traceId}); the server log has the details.";
                return Task.CompletedTask;
            },
        });
        if (!validated && result.Executed)
        {
            // Executed: every validation rule passed, GraphQL's own among them.
            documents.RememberValid(query, operationName, prepared.Document, schema);
        }

        GraphQLErrorShaping.Normalize(result, traceId);
        return result;
    }

    public static ExecutionResult Refused(string code, string message) =>
        new() { Executed = false, Errors = [new ExecutionError(message) { Code = code }] };

    private static GraphQLOperationDefinition? FindOperation(GraphQLDocument document, string? name)
    {
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        return string.IsNullOrEmpty(name)
            ? operations.Count == 1 ? operations[0] : null
            : operations.Find(o => o.Name?.StringValue == name);
    }
}
