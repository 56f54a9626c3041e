using System.Collections.Concurrent;

namespace Crm.PluginSdk.Security;

/// <summary>
/// Root fields a request may use without a key or token (signing in, refreshing a token): a
/// module allows its own when it is configured. Everything else needs a caller.
/// </summary>
public static class AnonymousFields
{
    private static readonly ConcurrentDictionary<string, bool> Allowed = new(StringComparer.Ordinal);

    public static void Allow(string rootFieldName) => Allowed[rootFieldName] = true;

    public static bool IsAllowed(string rootFieldName) => Allowed.ContainsKey(rootFieldName);
}
