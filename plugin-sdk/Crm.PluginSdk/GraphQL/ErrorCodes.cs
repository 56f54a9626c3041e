using GraphQL;

namespace Crm.PluginSdk.GraphQL;

/// <summary>The values of <c>extensions.code</c> on GraphQL errors and of <c>UserError.code</c>.</summary>
public static class ErrorCodes
{
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string Validation = "VALIDATION";
    public const string LimitExceeded = "LIMIT_EXCEEDED";
    public const string InvalidId = "INVALID_ID";
    public const string Required = "REQUIRED";
    public const string TooLong = "TOO_LONG";
    public const string InvalidFormat = "INVALID_FORMAT";
    public const string InvalidCursor = "INVALID_CURSOR";
    public const string InvalidValue = "INVALID_VALUE";
    public const string Conflict = "CONFLICT";

    /// <summary>A <c>viewId</c> names no view of the list's type that the actor may see.</summary>
    public const string ViewNotFound = "VIEW_NOT_FOUND";
    public const string Internal = "INTERNAL_SERVER_ERROR";

    /// <summary>The database cannot be reached, or takes no writes (read-only, full): HTTP 503 with Retry-After.</summary>
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";

    public static ExecutionError Error(string code, string message) => new(message) { Code = code };
}

/// <summary>
/// Why a mutation refused its input: <c>code</c> for programs, <c>message</c> for people,
/// <c>path</c> to the offending input field (e.g. ["input", "emails", "0", "value"]).
/// </summary>
public sealed record UserError(string Code, string Message, IReadOnlyList<string> Path)
{
    public static UserError At(string code, string message, params string[] path) => new(code, message, path);
}
