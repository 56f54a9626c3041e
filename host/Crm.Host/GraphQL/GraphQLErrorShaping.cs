using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;

namespace Crm.Host.GraphQL;

/// <summary>The codes and words of an executed request's errors, as the API documents them, whatever GraphQL.NET raised.</summary>
internal static class GraphQLErrorShaping
{
    /// <summary>One error code per kind of problem, whatever GraphQL.NET named it.</summary>
    public static void Normalize(ExecutionResult result, string traceId)
    {
        if (result.Errors is { } all && all.Any(e => e is InvalidVariableError { InnerException: FormatException }))
        {
            // A scalar's own reason for refusing a variable ("Text may not contain ...") is otherwise lost.
            var errors = new ExecutionErrors();
            foreach (var error in all)
            {
                errors.Add(error is InvalidVariableError { InnerException: FormatException reason } ? WithReason(error, reason.Message) : error);
            }

            result.Errors = errors;
        }

        foreach (var error in result.Errors ?? [])
        {
            switch (error)
            {
                case QueryLimitError:
                    break;
                case SyntaxError:
                    error.Code = "SYNTAX_ERROR";
                    break;
                case ValidationError:
                    error.Code = ErrorCodes.Validation;
                    break;
                case UnhandledError:
                    error.Code = ErrorCodes.Internal;
                    // The exception's own data (a database's message, say) is for the log, not the client.
                    error.Data.Clear();
                    break;
                default:
                    // An error the platform raised keeps its code; anything else is internal.
                    error.Code ??= ErrorCodes.Internal;
                    break;
            }

            if (error.Code == ErrorCodes.Internal && !error.Message.Contains(traceId, StringComparison.Ordinal))
            {
                error.Data["traceId"] = traceId;
            }
        }
    }

    private static ExecutionError WithReason(ExecutionError error, string reason)
    {
        var explained = new ExecutionError($"{error.Message}: {reason}") { Code = ErrorCodes.Validation };
        foreach (var location in error.Locations ?? [])
        {
            explained.AddLocation(location);
        }

        return explained;
    }
}
