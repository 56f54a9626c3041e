using System.Globalization;
using Jint.Runtime;

namespace Crm.PluginSdk.Scripting;

/// <summary>
/// Jint's time system on an injected clock: <c>Date.now()</c> and <c>new Date()</c> read the
/// same <see cref="TimeProvider"/> as <c>crm.now()</c>, in UTC, so that a backtest that pins
/// the clock pins every way a script can tell the time.
/// </summary>
internal sealed class ScriptClock(TimeProvider clock) : DefaultTimeSystem(TimeZoneInfo.Utc, CultureInfo.InvariantCulture)
{
    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    /// <summary>The one text form of an instant a script sees: ISO 8601 in UTC with milliseconds, as <c>Date.prototype.toISOString</c>.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
