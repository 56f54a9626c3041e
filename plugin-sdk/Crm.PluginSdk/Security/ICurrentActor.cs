using System.Net;

namespace Crm.PluginSdk.Security;

/// <summary>Who is making the current request (or running the current job).</summary>
public interface ICurrentActor
{
    /// <summary>The user id, or null for an anonymous request.</summary>
    long? UserId { get; }

    bool IsAuthenticated { get; }

    /// <summary>Whether the actor may do everything (the bootstrap administrator, the system).</summary>
    bool IsAdministrator { get; }

    /// <summary>The settings right: selection lists, pipelines, custom fields, automation, roles.</summary>
    bool CanConfigure { get; }

    /// <summary>The actor's effective rights; the SDK applies them to every read and write.</summary>
    AccessRights Rights { get; }

    /// <summary>
    /// The address the request came from, which the host fills in for every request: the TCP
    /// peer, or, when that peer is a trusted reverse proxy (<c>Network:TrustedProxies</c>), the
    /// client the proxy names in <c>X-Forwarded-For</c>. IPv4-mapped IPv6 addresses are given as
    /// IPv4. Null outside requests (jobs, start-up) and when the server does not know it.
    /// </summary>
    IPAddress? ClientAddress { get; }
}

/// <summary>The one check of the settings right, with the one way of saying it is missing.</summary>
public static class SettingsRight
{
    /// <summary>Null when the actor has the settings right; else the refusal of <paramref name="what"/> ("Editing pipelines").</summary>
    public static GraphQL.UserError? RefuseUnlessCanConfigure(this ICurrentActor actor, string what) =>
        actor.CanConfigure ? null : GraphQL.UserError.At(GraphQL.ErrorCodes.Forbidden, Refusal(what));

    /// <summary>"Editing pipelines needs the settings right."</summary>
    public static string Refusal(string what) => $"{what} needs the settings right.";
}

/// <summary>
/// The actor of one scope. It fails closed: a scope starts with no user and no rights. The
/// host's authentication fills it in for every request (an anonymous request keeps no rights);
/// work outside requests runs as the system, with every right, only where the host or a module
/// says so: in a scope from <see cref="SystemScopes.CreateSystemScope"/> (event delivery, jobs,
/// start-up work), or after <see cref="ActAsSystem"/>.
/// </summary>
public sealed class CurrentActor : ICurrentActor
{
    private long? _userId;
    private IPAddress? _clientAddress;

    /// <summary>Who the actor is; each read is reported to <see cref="Live.IdentityReads"/> (a result that read it is not shared between users).</summary>
    public long? UserId
    {
        get
        {
            Live.IdentityReads.Noted();
            return _userId;
        }

        private set => _userId = value;
    }

    // Not a read of who: every signed-in subscriber is authenticated.
    public bool IsAuthenticated => _userId is not null;

    public bool IsAdministrator => Rights.IsAdministrator;

    public bool CanConfigure => Rights.CanConfigure;

    public AccessRights Rights { get; private set; } = AccessRights.Nothing;

    /// <summary>Whether this is the platform itself at work (no user), not a request.</summary>
    public bool IsSystem { get; private set; }

    public IPAddress? ClientAddress
    {
        get
        {
            Live.IdentityReads.Noted();
            return _clientAddress;
        }

        private set => _clientAddress = value;
    }

    /// <summary>
    /// What kind of actor this is and through what its changes come: written into every event of
    /// the scope's changes. The host fills it in for requests (a user's token or an API key, through
    /// GraphQL); a system scope is the platform's own work; an import or an automation run says so
    /// with <see cref="ActingThrough"/>.
    /// </summary>
    public Events.ChangeOrigin Origin { get; private set; } = new(Events.ActorKind.System, null);

    /// <summary>Says what the scope's changes come from (an import job: <c>(Import, "import")</c>); the user and rights stay as they are.</summary>
    public void ActingThrough(Events.ActorKind kind, string? via) => Origin = new(kind, via);

    /// <summary>Where the request came from (the host, for every request, before it authenticates).</summary>
    public void CameFrom(IPAddress? address) =>
        ClientAddress = address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    /// <summary>A request without a caller: no rights.</summary>
    public void SignInAnonymous()
    {
        UserId = null;
        Rights = AccessRights.Nothing;
    }

    public void SignIn(long userId, bool isAdministrator) =>
        SignIn(userId, isAdministrator ? AccessRights.Everything(userId) : AccessRights.Nothing);

    public void SignIn(long userId, AccessRights rights)
    {
        UserId = userId;
        Rights = rights;
        // A user's own sign-in; an API key or a job says otherwise after it (ActingThrough).
        Origin = Origin with { Kind = Events.ActorKind.User };
    }

    /// <summary>
    /// Lets what the platform does on this actor's behalf (clearing the references to a record
    /// they delete, in records they may not see) reach every record, until disposed; the user
    /// stays the same, so the changes are still theirs in the records' history.
    /// </summary>
    public IDisposable WithAllRights()
    {
        var rights = Rights;
        Rights = AccessRights.Everything(UserId ?? 0);
        return new RightsRestorer(this, rights);
    }

    private sealed class RightsRestorer(CurrentActor actor, AccessRights rights) : IDisposable
    {
        public void Dispose() => actor.Rights = rights;
    }

    /// <summary>Makes this scope's actor the system, with every right: for the platform's own work outside requests, never for a request.</summary>
    public void ActAsSystem()
    {
        UserId = 0;
        Rights = AccessRights.Everything(0);
        IsSystem = true;
        Origin = new(Events.ActorKind.System, Events.ChangeOrigin.Channels.Platform);
    }

    /// <summary>For start-up work, migrations and background delivery, which act as the system.</summary>
    public static CurrentActor System()
    {
        var actor = new CurrentActor();
        actor.ActAsSystem();
        return actor;
    }
}

/// <summary>Scopes whose work is the platform's own, acting as the system.</summary>
public static class SystemScopes
{
    /// <summary>A service scope whose actor is the system (every right, no user): for event delivery, jobs and start-up work.</summary>
    public static Microsoft.Extensions.DependencyInjection.IServiceScope CreateSystemScope(this Microsoft.Extensions.DependencyInjection.IServiceScopeFactory scopes)
    {
        var scope = scopes.CreateScope();
        (scope.ServiceProvider.GetService(typeof(CurrentActor)) as CurrentActor)?.ActAsSystem();
        return scope;
    }
}
