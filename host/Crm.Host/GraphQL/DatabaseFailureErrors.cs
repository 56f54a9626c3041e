using System.Globalization;
using Crm.Host.Data;
using Crm.PluginSdk.GraphQL;
using GraphQL;

namespace Crm.Host.GraphQL;

/// <summary>
/// A field that failed because the database cannot be reached, is read-only or is full is not a
/// bug of ours: its error says so (<c>SERVICE_UNAVAILABLE</c>, the kind named, a trace id) instead
/// of <c>INTERNAL_SERVER_ERROR</c>, and the answer is HTTP 503 with <c>Retry-After</c>. The data
/// that did resolve is kept in the body.
/// </summary>
internal static class DatabaseFailureErrors
{
    public static void Apply(HttpContext http, ExecutionResult result)
    {
        if (result.Errors is not { Count: > 0 } errors)
        {
            return;
        }

        DatabaseFailure? first = null;
        var rewritten = new ExecutionErrors();
        foreach (var error in errors)
        {
            if (error.InnerException is not { } cause || DatabaseFailure.Find(cause) is not { } failure)
            {
                rewritten.Add(error);
                continue;
            }

            first ??= failure;
            var unavailable = new ExecutionError(failure.ClientMessage(http.TraceIdentifier)) { Code = ErrorCodes.ServiceUnavailable, Path = error.Path };
            foreach (var location in error.Locations ?? [])
            {
                unavailable.AddLocation(location);
            }

            rewritten.Add(unavailable);
        }

        if (first is null)
        {
            return;
        }

        result.Errors = rewritten;
        // The endpoint sets its own status when it writes the body; this one wins, just before the headers go.
        http.Response.OnStarting(() =>
        {
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = first.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
    }
}
