using System.Buffers;
using System.Globalization;
using Crm.Host.Data;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Crm.Host.Uploads;

/// <summary>Refuses an upload that passes <see cref="UploadOptions.MaxFileBytes"/>.</summary>
public sealed class UploadTooLargeException(long limit)
    : Exception($"The file is larger than {limit.ToString(CultureInfo.InvariantCulture)} bytes (Uploads:MaxFileBytes).")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Stores uploads per owner: the bytes streamed to a file of a random name under
/// <see cref="UploadOptions.FilesPath"/> (never held whole in memory, refused as soon as they pass
/// the limit), then a row of <c>platform.uploads</c>. Finds a file only for the actor who uploaded it.
/// </summary>
internal sealed class UploadStore(PlatformDbContext db, ICurrentActor actor, IOptions<UploadOptions> options, TimeProvider clock) : IUploads
{
    private const int BufferSize = 81_920;

    private string Root => Path.GetFullPath(options.Value.FilesPath);

    /// <summary>Streams <paramref name="body"/> into a new upload of the signed-in actor; throws <see cref="UploadTooLargeException"/> past the limit (nothing kept).</summary>
    public async Task<UploadedFile> SaveAsync(Stream body, string? fileName, string? contentType, CancellationToken cancellationToken)
    {
        var ownerId = actor.UserId ?? throw new InvalidOperationException("Only a signed-in user uploads.");
        var limit = options.Value.MaxFileBytes;
        Directory.CreateDirectory(Root);
        var storedName = Guid.NewGuid().ToString("N");
        var path = Path.Combine(Root, storedName);
        try
        {
            long length = 0;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    int read;
                    while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
                    {
                        length += read;
                        if (length > limit)
                        {
                            throw new UploadTooLargeException(limit);
                        }

                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var row = new UploadRow
            {
                OwnerId = ownerId,
                FileName = CleanName(fileName),
                ContentType = contentType is { Length: > 0 and <= UploadRow.MaxContentTypeLength } ? contentType : null,
                Length = length,
                StoredName = storedName,
                CreatedAt = now,
                ExpiresAt = now + options.Value.Retention,
            };
            db.Add(row);
            await db.SaveChangesAsync(cancellationToken);
            return Of(row);
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    public async Task<UploadedFile?> FindAsync(long id, CancellationToken cancellationToken)
    {
        if (actor.UserId is not { } ownerId)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var row = await db.Set<UploadRow>().AsNoTracking().SingleOrDefaultAsync(u => u.Id == id && u.OwnerId == ownerId && u.ExpiresAt > now, cancellationToken);
        return row is null ? null : Of(row);
    }

    public async Task<Stream> OpenReadAsync(UploadedFile file, CancellationToken cancellationToken)
    {
        var storedName = await db.Set<UploadRow>().AsNoTracking().Where(u => u.Id == file.Id && u.OwnerId == file.OwnerId).Select(u => u.StoredName).SingleOrDefaultAsync(cancellationToken)
            ?? throw new FileNotFoundException($"The upload {file.Id.ToString(CultureInfo.InvariantCulture)} is gone.");
        // Read synchronously by the table readers (CsvHelper's parser, MiniExcel): a plain stream suits them best.
        return new FileStream(Path.Combine(Root, storedName), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
    }

    /// <summary>Deletes expired uploads, files first (a hundred a round); returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Set<UploadRow>().Where(u => u.ExpiresAt <= now).OrderBy(u => u.ExpiresAt).Select(u => new { u.Id, u.StoredName }).Take(100).ToListAsync(cancellationToken);
        foreach (var upload in due)
        {
            TryDelete(Path.Combine(Root, upload.StoredName));
        }

        var ids = due.Select(u => u.Id).ToList();
        return ids.Count == 0 ? 0 : await db.Set<UploadRow>().Where(u => ids.Contains(u.Id)).ExecuteDeleteAsync(cancellationToken);
    }

    private static UploadedFile Of(UploadRow row) => new(row.Id, row.OwnerId, row.FileName, row.ContentType, row.Length, row.ExpiresAt);

    /// <summary>The client's name without folders or control characters, bounded; "upload" when nothing is left.</summary>
    private static string CleanName(string? fileName)
    {
        var name = new string(Path.GetFileName((fileName ?? "").Replace('\\', '/')).Where(c => !char.IsControl(c)).ToArray()).Trim();
        name = name.Length > UploadRow.MaxFileNameLength ? name[..UploadRow.MaxFileNameLength] : name;
        return name.Length == 0 ? "upload" : name;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for the next sweep's round: its row is gone or goes with it.
        }
    }
}
