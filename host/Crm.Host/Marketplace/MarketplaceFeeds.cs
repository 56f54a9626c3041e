using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.Host.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>An entry of a feed, with the feed that offers it.</summary>
public sealed record AvailablePlugin(FeedEntry Entry, string Feed);

/// <summary>What the feeds offered when read: their entries and the feeds that could not be read, with why.</summary>
public sealed record FeedsSnapshot(IReadOnlyList<AvailablePlugin> Available, IReadOnlyDictionary<string, string> Problems)
{
    /// <summary>The first feed's entry of this id and version, or (no version) the newest version any feed offers.</summary>
    public AvailablePlugin? Find(string id, NuGet.Versioning.NuGetVersion? version) =>
        Available.Where(a => a.Entry.Id == id && NuGet.Versioning.NuGetVersion.TryParse(a.Entry.Version, out var v) && (version is null || v == version))
            .OrderByDescending(a => NuGet.Versioning.NuGetVersion.Parse(a.Entry.Version))
            .FirstOrDefault();
}

/// <summary>
/// The deployment's feeds and trusted publishers (platform tables, added by admins) and what the
/// feeds offer. Feeds are read when asked, once per request at most (this is scoped), in the order
/// they were added: the first feed that offers an id and version is the one installed from.
/// </summary>
public sealed class MarketplaceFeeds(PlatformDbContext db, CrmDatabaseSession session, TimeProvider clock, ILogger<MarketplaceFeeds> logger)
{
    private FeedsSnapshot? _read;

    public Task<List<PluginFeed>> FeedsAsync(CancellationToken cancellationToken) =>
        db.PluginFeeds.AsNoTracking().OrderBy(f => f.Id).Take(PackageLimits.MaxFeeds).ToListAsync(cancellationToken);

    public Task<List<TrustedPublisher>> TrustedPublishersAsync(CancellationToken cancellationToken) =>
        db.TrustedPublishers.AsNoTracking().OrderBy(p => p.Publisher).Take(PackageLimits.MaxTrustedPublishers).ToListAsync(cancellationToken);

    public Task<TrustedPublisher?> TrustedAsync(string publisher, CancellationToken cancellationToken) =>
        db.TrustedPublishers.AsNoTracking().FirstOrDefaultAsync(p => p.Publisher == publisher, cancellationToken);

    /// <summary>Every feed's index, read once for this scope; a feed that cannot be read is reported, not fatal.</summary>
    public async Task<FeedsSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        if (_read is not null)
        {
            return _read;
        }

        var available = new List<AvailablePlugin>();
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var feed in await FeedsAsync(cancellationToken))
        {
            try
            {
                var index = await FeedReader.ReadIndexAsync(feed.Url, cancellationToken);
                available.AddRange(index.Packages.Select(p => new AvailablePlugin(p, feed.Url)));
            }
            catch (PackageException ex)
            {
                logger.LogWarning("Plugin feed {Feed} cannot be read: {Problem}", feed.Url, ex.Message);
                problems[feed.Url] = ex.Message;
            }
        }

        return _read = new FeedsSnapshot(available, problems);
    }

    /// <summary>Adds a feed; null and the feed, or the refusal.</summary>
    public async Task<(PluginFeed? Feed, UserError? Error)> AddFeedAsync(string url, long by, CancellationToken cancellationToken)
    {
        url = url.Trim();
        if (FeedReader.Problem(url) is { } problem)
        {
            return (null, UserError.At(ErrorCodes.InvalidValue, problem + ".", "url"));
        }

        // Counted and added in one turn of the lock: parallel adds stop at the limit exactly.
        return await session.InTransactionAsync(async () =>
        {
            await db.LockNameAsync("platform.marketplace.feeds", cancellationToken);
            if (await db.PluginFeeds.CountAsync(cancellationToken) >= PackageLimits.MaxFeeds)
            {
                return (null, UserError.At(ErrorCodes.LimitExceeded, $"A deployment reads at most {PackageLimits.MaxFeeds} feeds; remove one first.", "url"));
            }

            var feed = new PluginFeed { Url = url, AddedAt = clock.GetUtcNow().UtcDateTime, AddedBy = by };
            // A feed added twice (or by two admins at once) is an expected outcome, not an error to log.
            return await db.InsertUnlessTakenAsync(feed, [nameof(PluginFeed.Url)], cancellationToken)
                ? ((PluginFeed?)feed, (UserError?)null)
                : (null, UserError.At(ErrorCodes.Conflict, $"The feed {url} is already added.", "url"));
        }, cancellationToken: cancellationToken);
    }

    public async Task<bool> RemoveFeedAsync(long id, CancellationToken cancellationToken) =>
        await db.PluginFeeds.Where(f => f.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>Trusts a publisher's key (replacing the key it had); null and the row, or the refusal.</summary>
    public async Task<(TrustedPublisher? Publisher, UserError? Error)> TrustAsync(string publisher, string publicKey, long by, CancellationToken cancellationToken)
    {
        publicKey = publicKey.Trim();
        if (publisher.Length is 0 or > Modules.ModuleLoader.MaxPublisherLength || !publisher.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            return (null, UserError.At(ErrorCodes.InvalidValue, $"A publisher's id is 1 to {Modules.ModuleLoader.MaxPublisherLength} lower-case letters and digits.", "publisher"));
        }

        if (PublisherKeys.Problem(publicKey) is { } problem)
        {
            return (null, UserError.At(ErrorCodes.InvalidValue, char.ToUpperInvariant(problem[0]) + problem[1..] + ".", "publicKey"));
        }

        var row = new TrustedPublisher { Publisher = publisher, PublicKey = publicKey, KeyId = PublisherKeys.Fingerprint(publicKey), AddedAt = clock.GetUtcNow().UtcDateTime, AddedBy = by };
        // One turn of the lock: a replaced key takes effect at once, concurrent trusts of one publisher
        // end with one row (the last key given wins), and parallel new ones stop at the limit exactly.
        return await session.InTransactionAsync(async () =>
        {
            await db.LockNameAsync("platform.marketplace.publishers", cancellationToken);
            var updated = await db.TrustedPublishers.Where(p => p.Publisher == publisher)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.PublicKey, row.PublicKey).SetProperty(p => p.KeyId, row.KeyId).SetProperty(p => p.AddedAt, row.AddedAt).SetProperty(p => p.AddedBy, by), cancellationToken);
            if (updated == 0)
            {
                if (await db.TrustedPublishers.CountAsync(cancellationToken) >= PackageLimits.MaxTrustedPublishers)
                {
                    return (null, UserError.At(ErrorCodes.LimitExceeded, $"A deployment trusts at most {PackageLimits.MaxTrustedPublishers} publishers.", "publisher"));
                }

                db.TrustedPublishers.Add(row);
                await db.SaveChangesAsync(cancellationToken);
            }

            return ((TrustedPublisher?)row, (UserError?)null);
        }, cancellationToken: cancellationToken);
    }

    public async Task<bool> UntrustAsync(string publisher, CancellationToken cancellationToken) =>
        await db.TrustedPublishers.Where(p => p.Publisher == publisher).ExecuteDeleteAsync(cancellationToken) > 0;
}
