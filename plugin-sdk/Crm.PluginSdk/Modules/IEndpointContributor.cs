using Microsoft.AspNetCore.Routing;

namespace Crm.PluginSdk.Modules;

/// <summary>
/// HTTP endpoints a module serves beside <c>/graphql</c> (a webhook receiver, a file download),
/// registered by convention like a schema contributor. They are authenticated as <c>/graphql</c>
/// is: <see cref="Security.ICurrentActor"/> is the caller of the request's
/// <c>Authorization: Bearer</c> API key or access token (anonymous, without rights, when none was
/// sent or it was refused), and <c>HttpContext.User</c> carries the user id as its name identifier
/// claim. Add <c>RequireAuthorization()</c> to refuse anonymous callers with the platform's 401.
/// Rights are the SDK's to check, as in GraphQL.
/// </summary>
public interface IEndpointContributor
{
    /// <summary>Maps the module's endpoints; called once, at start-up.</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints);
}
