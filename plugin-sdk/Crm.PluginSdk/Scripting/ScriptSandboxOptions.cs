namespace Crm.PluginSdk.Scripting;

/// <summary>
/// The limits of <see cref="ScriptSandbox"/>, bound from the <c>Scripts</c> section (README,
/// "Scripts"). Every limit ends a run that reaches it, however the script catches errors.
/// </summary>
public sealed class ScriptSandboxOptions
{
    /// <summary>The configuration section the host binds.</summary>
    public const string SectionName = "Scripts";

    /// <summary>Characters of a script's source; a longer one is refused before it is parsed.</summary>
    public int MaxSourceLength { get; set; } = 32_768;

    /// <summary>Wall-clock time of one run, its reads included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Statements one run executes.</summary>
    public int MaxStatements { get; set; } = 100_000;

    /// <summary>Bytes one run allocates (allocations are counted, not what stays alive).</summary>
    public long MaxMemoryBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Nested function calls.</summary>
    public int MaxRecursionDepth { get; set; } = 64;

    /// <summary>Elements of one array.</summary>
    public int MaxArrayLength { get; set; } = 10_000;

    /// <summary>Time one regular expression match may take.</summary>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Calls of <c>crm.get</c>, <c>crm.find</c> and <c>crm.count</c> in one run.</summary>
    public int MaxReads { get; set; } = 50;

    /// <summary>Records one <c>crm.find</c> returns at most (its <c>limit</c> is capped to it).</summary>
    public int MaxFindRows { get; set; } = 100;

    /// <summary>Records all reads of one run return together.</summary>
    public int MaxReadRows { get; set; } = 1_000;

    /// <summary>Bytes (as JSON) all reads of one run return together.</summary>
    public int MaxReadBytes { get; set; } = 1024 * 1024;

    /// <summary>Requests (<c>crm.update</c>, <c>crm.notify</c>, ...) one run makes.</summary>
    public int MaxRequests { get; set; } = 50;

    /// <summary>Bytes (as JSON) of one request's parameters.</summary>
    public int MaxRequestBytes { get; set; } = 65_536;

    /// <summary>Bytes (as JSON) of a run's result.</summary>
    public int MaxResultBytes { get; set; } = 65_536;

    /// <summary>Calls of <c>log</c> kept from one run; later ones are counted, not kept.</summary>
    public int MaxLogEntries { get; set; } = 100;

    /// <summary>Characters of one kept log entry; a longer one is cut.</summary>
    public int MaxLogEntryLength { get; set; } = 1_000;

    /// <summary>
    /// Characters of source whose prepared (parsed and analysed) form a host keeps, by content
    /// hash; <c>0</c> keeps none.
    /// </summary>
    public long PreparedCacheSize { get; set; } = 4_000_000;

    /// <summary>
    /// URL prefixes <c>crm.http</c> may call (<c>https://hooks.example.com/crm/</c>): the same
    /// scheme, host and port, and a path that starts with the prefix's. None: no URL is allowed.
    /// </summary>
    public IList<string> HttpAllowList { get; set; } = [];

    /// <summary>The settings that cannot work, each as a sentence naming it.</summary>
    public IEnumerable<string> Problems()
    {
        static string Setting(string name) => $"{SectionName}:{name}";

        if (MaxSourceLength is < 1 or > 1_000_000)
        {
            yield return $"{Setting(nameof(MaxSourceLength))} must be between 1 and 1000000.";
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(1))
        {
            yield return $"{Setting(nameof(Timeout))} must be positive and at most one minute.";
        }

        if (RegexTimeout <= TimeSpan.Zero || RegexTimeout > Timeout)
        {
            yield return $"{Setting(nameof(RegexTimeout))} must be positive and at most {Setting(nameof(Timeout))}.";
        }

        if (MaxStatements < 1 || MaxMemoryBytes < 1_048_576 || MaxRecursionDepth < 1 || MaxArrayLength < 1)
        {
            yield return $"{Setting(nameof(MaxStatements))}, {Setting(nameof(MaxRecursionDepth))} and {Setting(nameof(MaxArrayLength))} must be positive, {Setting(nameof(MaxMemoryBytes))} at least 1048576.";
        }

        if (MaxReads < 0 || MaxFindRows < 1 || MaxReadRows < MaxFindRows || MaxReadBytes < 1)
        {
            yield return $"{Setting(nameof(MaxReads))} must be 0 or more, {Setting(nameof(MaxFindRows))} and {Setting(nameof(MaxReadBytes))} positive, {Setting(nameof(MaxReadRows))} at least {Setting(nameof(MaxFindRows))}.";
        }

        if (MaxRequests < 0 || MaxRequestBytes < 1 || MaxResultBytes < 1 || MaxLogEntries < 0 || MaxLogEntryLength < 1 || PreparedCacheSize < 0)
        {
            yield return $"{Setting(nameof(MaxRequests))}, {Setting(nameof(MaxLogEntries))} and {Setting(nameof(PreparedCacheSize))} must be 0 or more; {Setting(nameof(MaxRequestBytes))}, {Setting(nameof(MaxResultBytes))} and {Setting(nameof(MaxLogEntryLength))} positive.";
        }

        foreach (var prefix in HttpAllowList)
        {
            if (!Uri.TryCreate(prefix, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.UserInfo.Length > 0)
            {
                yield return $"{Setting(nameof(HttpAllowList))}: '{prefix}' is not an absolute http(s) URL without user information.";
            }
        }
    }
}
