using System.Globalization;

namespace Crm.PluginSdk.Security;

/// <summary>
/// Why a bearer credential (an API key or a sign-in access token) was refused. Each is told
/// only to whoever sent that very credential, so it reveals nothing the sender does not already
/// hold: a guessed or made-up string is always <see cref="Unknown"/>, whatever it looks like.
/// </summary>
public enum CredentialProblem
{
    /// <summary>No key or token of this server matches it.</summary>
    Unknown,

    /// <summary>An access token whose time is up; its refresh token may still give a new one.</summary>
    AccessTokenExpired,

    /// <summary>An access token that a refresh of its session replaced.</summary>
    AccessTokenReplaced,

    /// <summary>An access token of a session that ended (logged out, ended for safety or by an administrator).</summary>
    SessionEnded,

    ApiKeyExpired,

    ApiKeyRevoked,

    /// <summary>The credential is fine, but its user is disabled.</summary>
    UserDisabled,
}

/// <summary>The outcome of checking a bearer credential: the user it stands for, or why not.</summary>
/// <param name="UserId">The user, when accepted.</param>
/// <param name="Problem">Why not, when refused.</param>
/// <param name="At">When it expired or ended, where that is known.</param>
/// <param name="Detail">How a session ended ("logged out" ...), in words for people.</param>
public sealed record CredentialCheck(long? UserId, CredentialProblem? Problem, DateTime? At = null, string? Detail = null)
{
    public static CredentialCheck Unknown { get; } = new(null, CredentialProblem.Unknown);

    public static CredentialCheck Accepted(long userId) => new(userId, null);

    public static CredentialCheck Refused(CredentialProblem problem, DateTime? at = null, string? detail = null) => new(null, problem, at, detail);

    /// <summary>A stable reason for programs (<c>ACCESS_TOKEN_EXPIRED</c> ...), beside the code UNAUTHENTICATED.</summary>
    public static string Reason(CredentialProblem problem) => problem switch
    {
        CredentialProblem.Unknown => "UNKNOWN_CREDENTIAL",
        CredentialProblem.AccessTokenExpired => "ACCESS_TOKEN_EXPIRED",
        CredentialProblem.AccessTokenReplaced => "ACCESS_TOKEN_REPLACED",
        CredentialProblem.SessionEnded => "SESSION_ENDED",
        CredentialProblem.ApiKeyExpired => "API_KEY_EXPIRED",
        CredentialProblem.ApiKeyRevoked => "API_KEY_REVOKED",
        CredentialProblem.UserDisabled => "USER_DISABLED",
        _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, null),
    };

    /// <summary>What was wrong and what to do, for the one who sent the credential.</summary>
    public string Describe() => Problem switch
    {
        null => "The credential is valid.",
        CredentialProblem.Unknown => "The API key or access token is not valid: no key or token of this server matches it.",
        CredentialProblem.AccessTokenExpired => $"The access token expired{When}; get a new one with the refreshToken mutation, or sign in again.",
        CredentialProblem.AccessTokenReplaced => "The access token was replaced when its session was refreshed; send the newest access token.",
        CredentialProblem.SessionEnded => $"The session of this access token has ended{(Detail is null ? "" : " (" + Detail + ")")}; sign in again.",
        CredentialProblem.ApiKeyExpired => $"The API key expired{When}; ask an administrator for a new one.",
        CredentialProblem.ApiKeyRevoked => "The API key was revoked; ask an administrator for a new one.",
        CredentialProblem.UserDisabled => "The user of this API key or access token is disabled.",
        _ => throw new InvalidOperationException($"Unknown credential problem {Problem}."),
    };

    private string When => At is { } at ? " at " + at.ToString("O", CultureInfo.InvariantCulture) : "";
}
