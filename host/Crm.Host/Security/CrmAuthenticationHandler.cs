using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Crm.Host.Security;

/// <summary>A credential that was sent and refused; the authentication result's failure carries why.</summary>
public sealed class CredentialRefusedException(AuthenticationRefusal refusal) : Exception(refusal.Message)
{
    public AuthenticationRefusal Refusal { get; } = refusal;
}

/// <summary>
/// The platform's one authentication, as ASP.NET Core's default scheme: every request, to
/// <c>/graphql</c> or to an endpoint a module maps, gets its actor (<see cref="ICurrentActor"/>,
/// and <c>HttpContext.User</c> with the user id as <see cref="ClaimTypes.NameIdentifier"/>) from
/// its <c>Authorization: Bearer</c> API key or access token, or stays anonymous without rights.
/// A refused credential does not stop the request here: each endpoint decides (GraphQL lets an
/// anonymous caller sign in; <c>RequireAuthorization()</c> answers 401 through
/// <see cref="HandleChallengeAsync"/>, worded as GraphQL's 401).
/// </summary>
public sealed class CrmAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    BearerAuthenticator authenticator,
    IGraphQLTextSerializer serializer)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "CrmBearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var actor = Context.RequestServices.GetRequiredService<CurrentActor>();
        // After UseForwardedHeaders: a trusted proxy's client, else the TCP peer.
        actor.CameFrom(Context.Connection.RemoteIpAddress);
        // What the request's changes come through, for their events (the kind follows from the credential).
        actor.ActingThrough(actor.Origin.Kind, Request.Path.StartsWithSegments("/graphql") ? ChangeOrigin.Channels.GraphQL : "http");
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            actor.SignInAnonymous();
            return AuthenticateResult.NoResult();
        }

        if (await authenticator.SignInAsync(header, actor, Context.RequestServices, Context.RequestAborted) is { } refusal)
        {
            return AuthenticateResult.Fail(new CredentialRefusedException(refusal));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, actor.UserId!.Value.ToString(CultureInfo.InvariantCulture))], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>HTTP 401 as <c>/graphql</c> answers it: <c>WWW-Authenticate</c>, and <c>UNAUTHENTICATED</c> with the reason.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var refusal = (result.Failure as CredentialRefusedException)?.Refusal ?? AuthenticationRefusal.NoCredentials;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = refusal.Challenge;
        Response.ContentType = "application/json; charset=utf-8";
        await serializer.WriteAsync(Response.Body, new ExecutionResult { Executed = false, Errors = [Unauthenticated(refusal)] }, Context.RequestAborted);
    }

    /// <summary>The GraphQL error of a refused request: the message, and the reason in <c>extensions.data.reason</c> when a credential was sent.</summary>
    public static ExecutionError Unauthenticated(AuthenticationRefusal refusal)
    {
        var error = new ExecutionError(refusal.Message) { Code = ErrorCodes.Unauthenticated };
        if (refusal.Reason is not null)
        {
            error.Data["reason"] = refusal.Reason;
        }

        return error;
    }
}
