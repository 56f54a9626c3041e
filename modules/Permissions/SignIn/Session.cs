namespace Crm.Modules.Permissions.SignIn;

/// <summary>
/// A signed-in session (one family of tokens): its current access token and refresh token, kept
/// only as SHA-256 hashes. Refreshing replaces both and keeps the old pair as a
/// <see cref="RotatedTokens"/> row; logging out, or replaying a replaced refresh token, ends it.
/// </summary>
public sealed class Session
{
    public long Id { get; set; }

    public long UserId { get; set; }

    public string AccessTokenHash { get; set; } = "";

    public DateTime AccessExpiresAt { get; set; }

    public string RefreshTokenHash { get; set; } = "";

    public DateTime RefreshExpiresAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    /// <summary>Why it ended (<see cref="SessionEnd"/>), told to whoever still sends one of its tokens.</summary>
    public string? EndReason { get; set; }
}

/// <summary>Why a session ended.</summary>
public static class SessionEnd
{
    public const string LoggedOut = "LOGGED_OUT";
    public const string RefreshTokenReused = "REFRESH_TOKEN_REUSED";
    public const string UserDisabled = "USER_DISABLED";

    /// <summary>The reason in words for people; null when none was recorded.</summary>
    public static string? Describe(string? reason) => reason switch
    {
        LoggedOut => "logged out",
        RefreshTokenReused => "ended for safety: one of its refresh tokens was used a second time, as a stolen copy would be",
        UserDisabled => "ended when the user was disabled",
        _ => null,
    };
}

/// <summary>
/// A token pair a refresh replaced. Kept until the refresh token would have expired, so that a
/// replay of it is recognised as reuse (which ends the whole session) and the old access token
/// is answered as replaced rather than unknown.
/// </summary>
public sealed class RotatedTokens
{
    public long Id { get; set; }

    public long SessionId { get; set; }

    public string AccessTokenHash { get; set; } = "";

    public string RefreshTokenHash { get; set; } = "";

    public DateTime RotatedAt { get; set; }

    /// <summary>When the replaced refresh token would have expired; the row goes after that.</summary>
    public DateTime RefreshExpiresAt { get; set; }
}

/// <summary>
/// A sign-in attempt for an e-mail (known or not) that has not succeeded: recorded before the
/// password is checked, so that concurrent attempts count each other, and deleted when it
/// succeeds. Throttling counts these.
/// </summary>
public sealed class LoginFailure
{
    public long Id { get; set; }

    /// <summary>The lower-case e-mail that was tried.</summary>
    public string Email { get; set; } = "";

    /// <summary>Where it came from (<see cref="ClientAddressKey"/>: an IPv4 address, an IPv6 /64, or "unknown").</summary>
    public string ClientAddress { get; set; } = ClientAddressKey.UnknownKey;

    public DateTime FailedAt { get; set; }
}
