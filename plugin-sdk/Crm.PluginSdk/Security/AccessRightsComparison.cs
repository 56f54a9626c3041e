namespace Crm.PluginSdk.Security;

/// <summary>Whether one actor's rights reach at least as far as another's.</summary>
public static class AccessRightsComparison
{
    /// <summary>
    /// True when <paramref name="holder"/> has every right <paramref name="other"/> has: the
    /// administrator flag, the settings right and, per granted (type, partition, action), at
    /// least the same level. Used to refuse acting as someone with more rights than oneself
    /// (setting their password, making a key for them). Department levels are compared as
    /// levels, not by the users they reach.
    /// </summary>
    public static bool Covers(this AccessRights holder, AccessRights other)
    {
        if (holder.IsAdministrator)
        {
            return true;
        }

        if (other.IsAdministrator || (other.CanConfigure && !holder.CanConfigure))
        {
            return false;
        }

        return other.Granted.All(g => holder.Level(g.EntityType, g.Action, g.Partition) >= g.Level);
    }
}
