using System.Runtime.CompilerServices;
using Crm.PluginSdk.Entities;

namespace Crm.PluginSdk.Events;

/// <summary>
/// Which of a record type's properties its events publish, and under which name: each field the
/// type declares, by its GraphQL name. A property the type does not declare (a deal's stored
/// stage semantics) is the module's own and never published.
/// </summary>
internal static class PublishedFields
{
    private static readonly ConditionalWeakTable<ICrmEntityType, IReadOnlyDictionary<string, string>> Names = new();

    /// <summary>Property name to GraphQL name, for the built-in fields of <paramref name="type"/> (custom fields are published by their own names).</summary>
    public static IReadOnlyDictionary<string, string> Of(ICrmEntityType type) =>
        Names.GetValue(type, static t =>
        {
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var field in t.Fields.Values.Where(f => f.Custom is null))
            {
                // Two fields over one property (an old name kept beside a new one): the first declared names it.
                names.TryAdd(field.Property.Name, field.Name);
            }

            return names;
        });
}
