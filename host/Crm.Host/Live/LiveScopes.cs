using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Security;

namespace Crm.Host.Live;

/// <summary>What a scope of a live subscriber's own carries over from the subscription's scope.</summary>
internal static class LiveScopes
{
    /// <summary>
    /// Signs <paramref name="target"/>'s actor in as <paramref name="subscriber"/>'s (user, rights,
    /// origin, address) with the same custom-field snapshot and credential: what an execution of the
    /// subscription's selection reads of its scope.
    /// </summary>
    public static void CopySubscriber(IServiceProvider subscriber, IServiceProvider target)
    {
        var from = subscriber.GetRequiredService<CurrentActor>();
        var to = target.GetRequiredService<CurrentActor>();
        to.CameFrom(from.ClientAddress);
        to.SignIn(from.UserId ?? throw new InvalidOperationException("A live subscriber is signed in."), from.Rights);
        to.ActingThrough(from.Origin.Kind, from.Origin.Via);
        target.GetRequiredService<CustomFieldScope>().Snapshot = subscriber.GetRequiredService<CustomFieldScope>().Snapshot;
        target.GetRequiredService<LiveSubscriberCredential>().Authorization = subscriber.GetRequiredService<LiveSubscriberCredential>().Authorization;
    }
}
