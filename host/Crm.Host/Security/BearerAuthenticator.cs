using Crm.PluginSdk.Events;
using Crm.PluginSdk.Security;

namespace Crm.Host.Security;

/// <summary>Why a request is not let in: the message for the caller and, for a refused credential, its reason for programs.</summary>
public sealed record AuthenticationRefusal(string Message, string? Reason)
{
    public const string NotBearer = "NOT_BEARER";

    public static AuthenticationRefusal NoCredentials { get; } = new("Authentication required: send 'Authorization: Bearer <api key or access token>'.", null);

    public static AuthenticationRefusal For(CredentialCheck check) => new(check.Describe(), CredentialCheck.Reason(check.Problem!.Value));

    /// <summary>
    /// <c>WWW-Authenticate</c> as RFC 6750 has it: no error when no credential was sent, else
    /// what was wrong with it, told only to the one who sent it.
    /// </summary>
    public string Challenge => Reason is null
        ? "Bearer"
        : $"Bearer error=\"{(Reason == NotBearer ? "invalid_request" : "invalid_token")}\", error_description=\"{Message.Replace('"', '\'').Replace('\\', '/')}\"";
}

/// <summary>
/// Turns an <c>Authorization</c> header into the request's actor: the user of an API key or of a
/// sign-in access token, with their rights, or the refusal that says what was wrong.
/// </summary>
public sealed class BearerAuthenticator(ApiKeyService apiKeys)
{
    /// <summary>Signs the actor in; null when it worked, else why not.</summary>
    public async Task<AuthenticationRefusal?> SignInAsync(string authorization, CurrentActor actor, IServiceProvider services, CancellationToken cancellationToken)
    {
        const string bearer = "Bearer ";
        if (!authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return new AuthenticationRefusal("The Authorization header must be 'Bearer <api key or access token>'.", AuthenticationRefusal.NotBearer);
        }

        var token = authorization[bearer.Length..].Trim();
        var rightsProvider = services.GetService<IAccessRightsProvider>();
        var (identity, keyCheck) = await apiKeys.AuthenticateAsync(token, cancellationToken);
        long userId;
        if (identity is not null)
        {
            if (identity.IsAdministrator || rightsProvider is null)
            {
                actor.SignIn(identity.UserId, AccessRights.Everything(identity.UserId));
                actor.ActingThrough(ActorKind.ApiKey, actor.Origin.Via);
                return null;
            }

            userId = identity.UserId;
        }
        else if (keyCheck.Problem != CredentialProblem.Unknown || rightsProvider is null)
        {
            // A key of this server, expired or revoked: say which.
            return AuthenticationRefusal.For(keyCheck);
        }
        else
        {
            var tokenCheck = await rightsProvider.AuthenticateAsync(token, cancellationToken);
            if (tokenCheck.UserId is not { } signedIn)
            {
                return AuthenticationRefusal.For(tokenCheck);
            }

            userId = signedIn;
        }

        // A disabled or deleted user's keys and tokens are refused.
        if (await rightsProvider.RightsAsync(userId, cancellationToken) is not { } rights)
        {
            return AuthenticationRefusal.For(CredentialCheck.Refused(CredentialProblem.UserDisabled));
        }

        actor.SignIn(userId, rights);
        if (identity is not null)
        {
            actor.ActingThrough(ActorKind.ApiKey, actor.Origin.Via);
        }

        return null;
    }
}
