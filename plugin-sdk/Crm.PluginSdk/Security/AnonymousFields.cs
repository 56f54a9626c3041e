using System.Collections.Concurrent;

namespace Crm.PluginSdk.Security;

/// <summary>
/// The root fields a request without credentials may ask for (besides introspection), such as
/// <c>login</c> and <c>refreshToken</c>. Modules add theirs while registering their services; the
/// host lets an anonymous operation through only when every root field it selects is allowed.
/// </summary>
public static class AnonymousFields
{
    private static readonly ConcurrentDictionary<string, bool> Allowed = new(StringComparer.Ordinal);

    /// <summary>Lets anonymous requests select this root field (of the query or the mutation type).</summary>
    public static void Allow(string rootFieldName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootFieldName);
        Allowed[rootFieldName] = true;
    }

    public static bool IsAllowed(string rootFieldName) => Allowed.ContainsKey(rootFieldName);

    /// <summary>The allowed root fields, for diagnostics.</summary>
    public static IReadOnlyCollection<string> All => Allowed.Keys.ToList();
}
