using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Caching.Memory;

namespace Crm.Modules.Permissions.SignIn;

/// <summary>
/// How many sign-ins each client address may attempt: a bucket of
/// <see cref="SignInSettings.SignInsPerAddressPerMinute"/> attempts per address, refilled evenly
/// over a minute. Kept in this host's memory: it guards this host's processors, which is what a
/// password check spends (the e-mail throttle, in the database, guards the accounts).
/// </summary>
public sealed class SignInAddressBudget(SignInSettings settings, TimeProvider clock) : ISingletonService, IDisposable
{
    // Bounded: anyone can come from a new address. A bucket left alone for a minute is full
    // again, the same as none, so it may go then.
    private readonly MemoryCache _buckets = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private static readonly TimeSpan Refill = TimeSpan.FromMinutes(1);

    // GetOrCreate is not atomic: a flood's first attempts would each create a full bucket and
    // all be let through. Finding or adding a bucket is therefore done under one lock.
    private readonly Lock _gate = new();

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        public double Tokens = tokens;
        public DateTimeOffset At = at;
    }

    /// <summary>Takes one attempt from the address's bucket: null when it had one, else when it will.</summary>
    public DateTimeOffset? TryTake(string address)
    {
        var now = clock.GetUtcNow();
        var capacity = (double)settings.SignInsPerAddressPerMinute;
        Bucket bucket;
        lock (_gate)
        {
            bucket = _buckets.GetOrCreate(address, entry =>
            {
                entry.Size = 1;
                entry.SlidingExpiration = Refill;
                return new Bucket(capacity, now);
            })!;
        }

        lock (bucket)
        {
            var elapsed = now - bucket.At;
            if (elapsed > TimeSpan.Zero)
            {
                bucket.Tokens = Math.Min(capacity, bucket.Tokens + capacity * (elapsed / Refill));
                bucket.At = now;
            }

            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return null;
            }

            return now + (1 - bucket.Tokens) / capacity * Refill;
        }
    }

    public void Dispose() => _buckets.Dispose();
}
