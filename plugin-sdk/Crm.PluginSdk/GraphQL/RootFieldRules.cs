using GraphQL;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// What a module may say about one of its root fields that the host enforces for every request
/// before it executes: today, that a field (an expensive one, such as <c>login</c>, which hashes
/// a password) may appear at most once per request, however it is aliased or spread.
/// </summary>
public static class RootFieldRules
{
    private const string OncePerRequestKey = "crm:atMostOncePerRequest";

    /// <summary>Marks a root field of the query or mutation type as allowed at most once per request.</summary>
    public static FieldType AtMostOncePerRequest(this FieldType field)
    {
        field.Metadata[OncePerRequestKey] = true;
        return field;
    }

    public static bool IsAtMostOncePerRequest(this IFieldType field) => field.GetMetadata(OncePerRequestKey, false);
}
