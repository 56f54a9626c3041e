using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Security;

namespace Crm.Host.Live;

/// <summary>What a scope of a live subscriber's own carries over from the subscription's scope.</summary>
internal static class LiveScopes
{
    /// <summary>
    /// Signs <paramref name="target"/>'s actor in as <paramref name="subscriber"/>'s (user, rights,
    /// origin, address) with the same custom-field snapshot: what an execution of the subscription's
    /// selection reads of its scope. Not the socket's credential: only a root live field reads it, at
    /// subscribe, and a result shared across users must not be able to.
    /// </summary>
    public static void CopySubscriber(IServiceProvider subscriber, IServiceProvider target)
    {
        var from = subscriber.GetRequiredService<CurrentActor>();
        var to = target.GetRequiredService<CurrentActor>();
        to.CameFrom(from.ClientAddress);
        to.SignIn(from.UserId ?? throw new InvalidOperationException("A live subscriber is signed in."), from.Rights);
        to.ActingThrough(from.Origin.Kind, from.Origin.Via);
        target.GetRequiredService<CustomFieldScope>().Snapshot = subscriber.GetRequiredService<CustomFieldScope>().Snapshot;
    }
}
