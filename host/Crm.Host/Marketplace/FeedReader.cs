using System.Net;

namespace Crm.Host.Marketplace;

/// <summary>
/// Reads a feed: a folder (an absolute path) or an http(s) URL, with its <c>index.json</c> and the
/// package files beside it. Every read is bounded in bytes and, over HTTP, in time.
/// </summary>
public static class FeedReader
{
    // One client for the process: feeds are few, and a client per read would leak sockets.
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 3,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = PackageLimits.HttpTimeout,
    };

    /// <summary>Null when <paramref name="feed"/> is an http(s) URL or an absolute folder path; else why not.</summary>
    public static string? Problem(string? feed)
    {
        if (string.IsNullOrWhiteSpace(feed) || feed.Length > PackageLimits.MaxFeedLength || feed.Any(char.IsControl))
        {
            return $"a feed is an http(s) URL or an absolute folder path of at most {PackageLimits.MaxFeedLength} characters";
        }

        if (Uri.TryCreate(feed, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return string.IsNullOrEmpty(uri.UserInfo) ? null : "a feed's URL may not carry a user name or password";
        }

        return Path.IsPathFullyQualified(feed) && !feed.Contains("://", StringComparison.Ordinal)
            ? null
            : "a feed is an http(s) URL or an absolute folder path";
    }

    public static async Task<FeedIndex> ReadIndexAsync(string feed, CancellationToken cancellationToken) =>
        FeedIndex.Parse(await ReadAsync(feed, FeedIndex.FileName, PackageLimits.MaxIndexBytes, cancellationToken));

    /// <summary>The package file an entry names, checked against the hash the index states.</summary>
    public static async Task<PluginPackage> ReadPackageAsync(string feed, FeedEntry entry, CancellationToken cancellationToken)
    {
        var bytes = await ReadAsync(feed, entry.File, PackageLimits.MaxPackageBytes, cancellationToken);
        if (PluginPackage.HashOf(bytes) != entry.Hash)
        {
            throw new PackageException($"the file {entry.File} of feed {feed} does not have the hash its index states");
        }

        return PluginPackage.Read(bytes);
    }

    private static async Task<byte[]> ReadAsync(string feed, string file, long limit, CancellationToken cancellationToken)
    {
        if (Problem(feed) is { } problem)
        {
            throw new PackageException(problem);
        }

        if (!FeedIndex.IsPlainFileName(file))
        {
            throw new PackageException($"'{file}' is not a plain file name");
        }

        try
        {
            if (Uri.TryCreate(feed, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                var address = new Uri(uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/"), file);
                using var response = await Http.GetAsync(address, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new PackageException($"{address} answered {(int)response.StatusCode}");
                }

                if (response.Content.Headers.ContentLength > limit)
                {
                    throw new PackageException($"{address} is larger than {limit:N0} bytes");
                }

                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                return await ReadBoundedAsync(body, limit, address.ToString(), cancellationToken);
            }

            var path = Path.Combine(feed, file);
            if (!File.Exists(path))
            {
                throw new PackageException($"the feed {feed} has no {file}");
            }

            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            return await ReadBoundedAsync(stream, limit, path, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new PackageException($"the feed {feed} cannot be read: {(ex is TaskCanceledException ? $"no answer within {PackageLimits.HttpTimeout.TotalSeconds:0} seconds" : ex.Message)}");
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream source, long limit, string what, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (copy.Length + read > limit)
            {
                throw new PackageException($"{what} is larger than {limit:N0} bytes");
            }

            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }
}
