using System.Globalization;
using System.Text;
using System.Text.Json;
using Crm.Host.Security;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.Host.GraphQL;

public sealed class GraphQLEndpointOptions
{
    /// <summary>Whether a request without a key may ask for <c>__typename</c> and introspection.</summary>
    public bool AllowAnonymousIntrospection { get; set; }

    /// <summary>The largest request body accepted, in bytes.</summary>
    public long MaxRequestBytes { get; set; } = 1_048_576;

    /// <summary>The largest response written, in bytes; a larger one is replaced by a LIMIT_EXCEEDED error.</summary>
    public int MaxResponseBytes { get; set; } = 8 * 1_048_576;

    /// <summary>How long a request may take from its first byte to its answer; then its work stops.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Adds <c>X-Sql-Statement-Count</c> to every response of the endpoint, refusals included: the
    /// statements the GraphQL work sent (authentication, cached, is not counted; a request refused
    /// before it ran says 0). For tests and diagnosis, not for production. With it come
    /// <c>X-Sql-Transaction-Count</c> and <c>X-Sql-Savepoint-Count</c>: the transactions and
    /// savepoints the work began.
    /// </summary>
    public bool SqlStatementCountHeader { get; set; }

    /// <summary>Characters of document text whose parsed and validated documents are kept (<see cref="DocumentCache"/>); 0 keeps none.</summary>
    public long DocumentCacheSize { get; set; } = 1_000_000;
}

/// <summary>
/// GraphQL over HTTP, as its specification has it: POST with a JSON body and GET with URL
/// parameters; <c>application/graphql-response+json</c> (request errors are 400) or
/// <c>application/json</c> (always 200) by the Accept header; mutations only over POST. Who may
/// ask is <see cref="GraphQLAccess"/>'s to say, the errors' codes <see cref="GraphQLErrorShaping"/>'s,
/// and browsers get <see cref="GraphiQLPage"/>. Every request's work stops when its
/// client leaves or its deadline (<see cref="GraphQLEndpointOptions.RequestTimeout"/>) passes.
/// </summary>
public sealed class GraphQLHttpEndpoint(
    GraphQLExecution execution,
    IGraphQLTextSerializer serializer,
    IOptions<GraphQLEndpointOptions> options,
    IOptions<Uploads.UploadOptions> uploadOptions,
    TimeProvider clock)
{
    public const string GraphQLResponseMediaType = "application/graphql-response+json";
    public const string JsonMediaType = "application/json";

    public async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var counter = new System.Runtime.CompilerServices.StrongBox<SqlStatementCounter.Scope?>();
        if (options.Value.SqlStatementCountHeader)
        {
            // On every answer, so that a count is read, never assumed from a missing header.
            http.Response.OnStarting(() =>
            {
                http.Response.Headers["X-Sql-Statement-Count"] = (counter.Value?.Count ?? 0).ToString(CultureInfo.InvariantCulture);
                http.Response.Headers["X-Sql-Transaction-Count"] = (counter.Value?.Transactions ?? 0).ToString(CultureInfo.InvariantCulture);
                http.Response.Headers["X-Sql-Savepoint-Count"] = (counter.Value?.Savepoints ?? 0).ToString(CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            });
        }

        if (GraphiQLPage.IsAskedFor(request))
        {
            await GraphiQLPage.ServeAsync(http);
            return;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsPost(request.Method))
        {
            http.Response.Headers.Allow = "GET, POST";
            await WriteRequestErrorAsync(http, JsonMediaType, StatusCodes.Status405MethodNotAllowed, "BAD_REQUEST", $"{request.Method} is not supported; use GET or POST.");
            return;
        }

        var mediaType = NegotiateMediaType(request);
        if (mediaType is null)
        {
            await WriteRequestErrorAsync(http, JsonMediaType, StatusCodes.Status406NotAcceptable, "BAD_REQUEST",
                $"The Accept header allows neither {GraphQLResponseMediaType} nor {JsonMediaType}.");
            return;
        }

        using var deadline = new CancellationTokenSource(options.Value.RequestTimeout, clock);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, deadline.Token);
        var executing = false;
        try
        {
            await HandleRequestAsync(http, mediaType, counter, work.Token, () => executing = true);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client left: nobody is waiting for an answer, and its work has stopped.
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            if (http.Response.HasStarted)
            {
                // Mid-answer there is no way to say it: the connection is cut, as for a crash.
                http.Abort();
                return;
            }

            var message = $"The request did not finish within {options.Value.RequestTimeout} (GraphQL:RequestTimeout); its work was stopped.";
            if (executing)
            {
                // Mutations that completed before the deadline stay done; a save in progress is rolled back.
                await WriteExecutedErrorAsync(http, mediaType, ErrorCodes.LimitExceeded, message + " Mutations finished before it stay done.");
            }
            else
            {
                await WriteRequestErrorAsync(http, mediaType, mediaType == JsonMediaType ? 200 : StatusCodes.Status408RequestTimeout, ErrorCodes.LimitExceeded, message);
            }
        }
    }

    private async Task HandleRequestAsync(HttpContext http, string mediaType, System.Runtime.CompilerServices.StrongBox<SqlStatementCounter.Scope?> counter,
        CancellationToken cancellationToken, Action executionStarts)
    {
        var request = http.Request;
        var reader = new GraphQLRequestReader(serializer, options.Value.MaxRequestBytes);
        GraphQLHttpRequest? parsed;
        if (HttpMethods.IsPost(request.Method) && GraphQLMultipartReader.IsMultipart(request, out var multipartType))
        {
            // Files are stored as they arrive, so the caller is known first: nobody else's uploads are kept.
            if (!(await http.AuthenticateAsync(CrmAuthenticationHandler.SchemeName)).Succeeded)
            {
                await WriteUnauthenticatedAsync(http, mediaType, await GraphQLAccess.RefusalOfUploadAsync(http));
                return;
            }

            var multipart = await new GraphQLMultipartReader(reader, http.RequestServices.GetRequiredService<Uploads.UploadStore>(), uploadOptions.Value, options.Value.MaxRequestBytes)
                .ReadAsync(request, multipartType!, cancellationToken);
            if (multipart.Request is null)
            {
                await WriteRequestErrorAsync(http, mediaType, multipart.Status, multipart.Code!, multipart.Problem!);
                return;
            }

            parsed = multipart.Request;
        }
        else
        {
            (parsed, var problem, var status) = await reader.ReadAsync(request, cancellationToken);
            if (parsed is null)
            {
                await WriteRequestErrorAsync(http, mediaType, status, "BAD_REQUEST", problem!);
                return;
            }
        }

        var (prepared, refusal) = execution.Prepare(parsed.Query, parsed.OperationName);
        if (prepared is null)
        {
            // Not executed: 400 with graphql-response+json, 200 with JSON.
            await WriteResultAsync(http, mediaType, refusal!, cancellationToken);
            return;
        }

        var operation = prepared.Operation;
        if (HttpMethods.IsGet(request.Method) && operation?.Operation is OperationType.Mutation or OperationType.Subscription)
        {
            http.Response.Headers.Allow = "POST";
            await WriteRequestErrorAsync(http, mediaType, StatusCodes.Status405MethodNotAllowed, "BAD_REQUEST",
                $"A {operation.Operation.ToString().ToLowerInvariant()} cannot be sent with GET; use POST.");
            return;
        }

        if (operation?.Operation == OperationType.Subscription)
        {
            await WriteRequestErrorAsync(http, mediaType, mediaType == JsonMediaType ? 200 : 400, "BAD_REQUEST",
                "A subscription is served over WebSocket only: open /graphql with the graphql-transport-ws protocol.");
            return;
        }

        if (await GraphQLAccess.RefusalAsync(http, prepared.Document, operation, options.Value.AllowAnonymousIntrospection) is { } unauthenticated)
        {
            await WriteUnauthenticatedAsync(http, mediaType, unauthenticated);
            return;
        }

        counter.Value = options.Value.SqlStatementCountHeader ? SqlStatementCounter.BeginScope() : null;
        try
        {
            executionStarts();
            var result = await execution.ExecuteAsync(prepared, parsed.Query, parsed.OperationName, parsed.Variables, parsed.Extensions,
                http.RequestServices, http.User, http.TraceIdentifier, cancellationToken);
            DatabaseFailureErrors.Apply(http, result);
            await WriteResultAsync(http, mediaType, result, cancellationToken);
        }
        finally
        {
            counter.Value?.Dispose();
        }
    }

    /// <summary>
    /// HTTP 401 with <c>WWW-Authenticate</c> as RFC 6750 has it (no error when no credential was
    /// sent) and <c>extensions.data.reason</c> saying, to the one who sent it, what was wrong
    /// with their credential.
    /// </summary>
    private async Task WriteUnauthenticatedAsync(HttpContext http, string mediaType, AuthenticationRefusal refusal)
    {
        http.Response.Headers.WWWAuthenticate = refusal.Challenge;
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.ContentType = mediaType + "; charset=utf-8";
        await serializer.WriteAsync(http.Response.Body, new ExecutionResult { Executed = false, Errors = [CrmAuthenticationHandler.Unauthenticated(refusal)] }, http.RequestAborted);
    }

    /// <summary>graphql-response+json when the client names it, else JSON; null when the client takes neither.</summary>
    private static string? NegotiateMediaType(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        if (accept.Count == 0)
        {
            return JsonMediaType;
        }

        var best = accept
            .Where(a => a.Quality is null or > 0)
            .OrderByDescending(a => a.Quality ?? 1)
            .Select(a => a.MediaType.Value?.ToLowerInvariant())
            .FirstOrDefault(m => m is GraphQLResponseMediaType or JsonMediaType or "application/*" or "*/*");
        return best switch
        {
            GraphQLResponseMediaType => GraphQLResponseMediaType,
            null => null,
            _ => JsonMediaType,
        };
    }

    /// <summary>
    /// Writes the result when it fits in <see cref="GraphQLEndpointOptions.MaxResponseBytes"/>;
    /// else, in its place, <c>data: null</c> and a LIMIT_EXCEEDED error (the request ran: its
    /// mutations are done). The answer is composed in memory up to the limit, never beyond it.
    /// </summary>
    private async Task WriteResultAsync(HttpContext http, string mediaType, ExecutionResult result, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxResponseBytes;
        using var buffer = new CappedBuffer(limit);
        try
        {
            await serializer.WriteAsync(buffer, result, cancellationToken);
        }
        catch (CappedBuffer.FullException)
        {
            await WriteExecutedErrorAsync(http, mediaType, ErrorCodes.LimitExceeded,
                $"The response is larger than {limit} bytes (GraphQL:MaxResponseBytes); ask for fewer records or fields. Mutations in the request were carried out.");
            return;
        }

        // graphql-response+json: a request that never executed is a client error; JSON keeps 200.
        http.Response.StatusCode = mediaType == GraphQLResponseMediaType && !result.Executed ? 400 : 200;
        http.Response.ContentType = mediaType + "; charset=utf-8";
        http.Response.ContentLength = buffer.Length;
        await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
    }

    /// <summary>An error for a request that ran (or began to): <c>data: null</c>, HTTP 200.</summary>
    private async Task WriteExecutedErrorAsync(HttpContext http, string mediaType, string code, string message)
    {
        var result = new ExecutionResult { Executed = true, Data = null, Errors = [new ExecutionError(message) { Code = code }] };
        http.Response.StatusCode = 200;
        http.Response.ContentType = mediaType + "; charset=utf-8";
        await serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
    }

    private async Task WriteRequestErrorAsync(HttpContext http, string mediaType, int status, string code, string message)
    {
        var result = new ExecutionResult { Executed = false, Errors = [new ExecutionError(message) { Code = code }] };
        http.Response.StatusCode = status;
        http.Response.ContentType = mediaType + "; charset=utf-8";
        await serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
    }
}
