namespace Crm.Modules.Permissions.SignIn;

/// <summary>
/// A signed-in session: its current access token and refresh token, kept only as SHA-256
/// hashes. Refreshing replaces both; logging out revokes the session.
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
}

/// <summary>A failed sign-in for an e-mail (known or not), which throttling counts.</summary>
public sealed class LoginFailure
{
    public long Id { get; set; }

    /// <summary>The lower-case e-mail that was tried.</summary>
    public string Email { get; set; } = "";

    public DateTime FailedAt { get; set; }
}
