using System.Security.Claims;
using System.Security.Principal;
using Crm.PluginSdk.Live;

namespace Crm.Host.Live;

/// <summary>
/// The subscriber's principal (GraphQL's <c>User</c>, which names the user) for an execution that
/// may be shared across users: every look at it counts as a read of who the subscriber is
/// (<see cref="IdentityReads"/>), as the SDK's identity properties do.
/// </summary>
internal sealed class IdentityNotingPrincipal(ClaimsPrincipal principal) : ClaimsPrincipal(principal)
{
    private static T Noted<T>(T value)
    {
        IdentityReads.Noted();
        return value;
    }

    public override IIdentity? Identity => Noted(base.Identity);

    public override IEnumerable<ClaimsIdentity> Identities => Noted(base.Identities);

    public override IEnumerable<Claim> Claims => Noted(base.Claims);

    public override IEnumerable<Claim> FindAll(Predicate<Claim> match) => Noted(base.FindAll(match));

    public override IEnumerable<Claim> FindAll(string type) => Noted(base.FindAll(type));

    public override Claim? FindFirst(Predicate<Claim> match) => Noted(base.FindFirst(match));

    public override Claim? FindFirst(string type) => Noted(base.FindFirst(type));

    public override bool HasClaim(Predicate<Claim> match) => Noted(base.HasClaim(match));

    public override bool HasClaim(string type, string value) => Noted(base.HasClaim(type, value));

    public override bool IsInRole(string role) => Noted(base.IsInRole(role));
}
