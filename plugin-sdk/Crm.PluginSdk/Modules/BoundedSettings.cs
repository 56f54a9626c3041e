using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.PluginSdk.Modules;

/// <summary>
/// Reads a module's limits from the configuration (<see cref="ModuleContext.Configuration"/>) the one
/// way every limit is read: a whole number within its bounds, the default when the setting is
/// absent, and a start that fails, naming the setting and its bounds, when it is anything else (a
/// limit mistyped is never silently the default, nor unbounded).
/// </summary>
public static class BoundedSettings
{
    /// <summary>The whole number <paramref name="key"/> holds, from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/> when it is absent.</summary>
    /// <exception cref="InvalidOperationException">The setting is given and is not such a number.</exception>
    public static int WholeNumber(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var text = configuration[key];
        if (text is not { Length: > 0 })
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidOperationException(
                $"{key} is a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'.");
    }
}
