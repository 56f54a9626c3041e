namespace Crm.PluginSdk.Security;

/// <summary>Who is making the current request (or running the current job).</summary>
public interface ICurrentActor
{
    /// <summary>The user id, or null for an anonymous request.</summary>
    long? UserId { get; }

    bool IsAuthenticated { get; }

    bool IsAdministrator { get; }
}

/// <summary>The actor of one request; the host's authentication fills it in.</summary>
public sealed class CurrentActor : ICurrentActor
{
    public long? UserId { get; private set; }

    public bool IsAuthenticated => UserId is not null;

    public bool IsAdministrator { get; private set; }

    public void SignIn(long userId, bool isAdministrator)
    {
        UserId = userId;
        IsAdministrator = isAdministrator;
    }

    /// <summary>For start-up work, migrations and background delivery, which act as the system.</summary>
    public static CurrentActor System()
    {
        var actor = new CurrentActor();
        actor.SignIn(0, isAdministrator: true);
        return actor;
    }
}
