using System.Globalization;

namespace Crm.PluginSdk.Entities;

/// <summary>The one reading of an id from GraphQL input (an <c>ID</c> arrives as text or a number).</summary>
public static class RecordIds
{
    /// <summary>Digits only, at least <paramref name="minimum"/> (1 for records; 0 where 0 names a default, as pipeline 0 does).</summary>
    public static bool TryParse(object? value, out long id, long minimum = 1) =>
        long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out id) && id >= minimum;
}
