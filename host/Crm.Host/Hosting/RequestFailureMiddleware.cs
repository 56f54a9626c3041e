using System.Globalization;
using System.Text.Json;
using Crm.Host.Data;
using Crm.PluginSdk.GraphQL;

namespace Crm.Host.Hosting;

/// <summary>
/// Answers an exception that escaped an endpoint (before GraphQL executes, say, when
/// authentication reads the database) the way GraphQL errors are answered: a JSON body with
/// <c>extensions.code</c> and a trace id, never a stack trace; <c>SERVICE_UNAVAILABLE</c> (503
/// with <c>Retry-After</c>) when the database failed, else <c>INTERNAL_SERVER_ERROR</c> (500).
/// </summary>
public sealed class RequestFailureMiddleware(RequestDelegate next, ILogger<RequestFailureMiddleware> logger)
{
    private const string GraphQLResponseMediaType = "application/graphql-response+json";

    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (Exception ex) when (!http.Response.HasStarted && !(ex is OperationCanceledException && http.RequestAborted.IsCancellationRequested))
        {
            var traceId = http.TraceIdentifier;
            var failure = DatabaseFailure.Find(ex);
            if (failure is null)
            {
                logger.LogError(ex, "Unhandled error in {Method} {Path} (trace {TraceId}).", http.Request.Method, http.Request.Path, traceId);
            }
            else
            {
                logger.LogWarning("{Method} {Path} failed: {Problem}: {Reason} (trace {TraceId}).", http.Request.Method, http.Request.Path, failure.Summary, failure.Reason, traceId);
            }

            http.Response.Clear();
            http.Response.StatusCode = failure is null ? StatusCodes.Status500InternalServerError : StatusCodes.Status503ServiceUnavailable;
            if (failure is not null)
            {
                http.Response.Headers.RetryAfter = failure.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }

            var acceptsGraphQLResponse = http.Request.Headers.Accept.ToString().Contains(GraphQLResponseMediaType, StringComparison.OrdinalIgnoreCase);
            http.Response.ContentType = (acceptsGraphQLResponse ? GraphQLResponseMediaType : "application/json") + "; charset=utf-8";
            var error = new
            {
                message = failure?.ClientMessage(traceId) ?? $"Internal error (trace {traceId}); the server log has the details.",
                extensions = new { code = failure is null ? ErrorCodes.Internal : ErrorCodes.ServiceUnavailable, traceId },
            };
            await JsonSerializer.SerializeAsync(http.Response.Body, new { errors = new[] { error } }, cancellationToken: http.RequestAborted);
        }
    }
}
