using System.Security.Cryptography;
using System.Text;
using Acornima.Ast;
using Jint;
using Microsoft.Extensions.Caching.Memory;

namespace Crm.PluginSdk.Scripting;

/// <summary>
/// Prepared (parsed and analysed) scripts by the SHA-256 of their source, bounded in characters
/// of source; a prepared script is immutable and shared by every engine that runs it.
/// </summary>
internal sealed class PreparedScriptCache(long maxCharacters) : IDisposable
{
    /// <summary>The name scripts' stacks and locations carry (<c>at f (script:3:5)</c>).</summary>
    public const string SourceName = "script";

    private readonly MemoryCache? cache = maxCharacters > 0 ? new MemoryCache(new MemoryCacheOptions { SizeLimit = maxCharacters }) : null;

    /// <summary>The prepared script; a source that does not parse throws <see cref="ScriptPreparationException"/>, and is not kept.</summary>
    public Prepared<Script> Get(string source)
    {
        if (cache is null || source.Length > maxCharacters)
        {
            return Prepare(source);
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(source)));
        if (cache.TryGetValue(key, out Prepared<Script> prepared))
        {
            return prepared;
        }

        prepared = Prepare(source);
        cache.Set(key, prepared, new MemoryCacheEntryOptions { Size = Math.Max(1, source.Length) });
        return prepared;
    }

    public static Prepared<Script> Prepare(string source) => Engine.PrepareScript(source, SourceName, strict: true);

    public void Dispose() => cache?.Dispose();
}
