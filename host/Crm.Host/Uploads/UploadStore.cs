using Crm.PluginSdk.Data;
using System.Buffers;
using System.Globalization;
using Crm.Host.Data;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Crm.Host.Uploads;

/// <summary>Refuses an upload that passes <see cref="UploadOptions.MaxFileBytes"/> or what its owner may still keep (<see cref="UploadOptions.MaxBytesPerOwner"/>, <see cref="UploadOptions.MaxFilesPerOwner"/>): answered 413 / LIMIT_EXCEEDED.</summary>
public sealed class UploadTooLargeException(string message) : Exception(message);

/// <summary>
/// Stores uploads per owner: the bytes streamed to a file of a random name under
/// <see cref="UploadOptions.FilesPath"/> (never held whole in memory, refused as soon as they pass
/// the limit), then a row of <c>platform.uploads</c>. Finds a file only for the actor who uploaded it.
/// What one owner keeps is bounded: checked before the bytes are read (the declared length, the
/// files and bytes the owner's unexpired uploads hold), as they stream (refused at what is left), and
/// again when the row is written, under a per-owner lock so that parallel uploads of one owner
/// never store more than the bound together.
/// </summary>
internal sealed class UploadStore(PlatformDbContext db, ICurrentActor actor, IOptions<UploadOptions> options, TimeProvider clock) : IUploads
{
    private const int BufferSize = 81_920;

    private string Root => Path.GetFullPath(options.Value.FilesPath);

    /// <summary>
    /// Streams <paramref name="body"/> into a new upload of the signed-in actor; throws
    /// <see cref="UploadTooLargeException"/> (nothing kept) when <paramref name="declaredLength"/> or
    /// the bytes as they arrive pass the file's limit or what the owner may still keep.
    /// </summary>
    public async Task<UploadedFile> SaveAsync(Stream body, long? declaredLength, string? fileName, string? contentType, CancellationToken cancellationToken)
    {
        var ownerId = actor.UserId ?? throw new InvalidOperationException("Only a signed-in user uploads.");
        var now = clock.GetUtcNow().UtcDateTime;
        var cap = Room(await UsageAsync(ownerId, now, cancellationToken));
        if (declaredLength > cap.Bytes)
        {
            throw new UploadTooLargeException(cap.Refusal);
        }

        Directory.CreateDirectory(Root);
        var storedName = Guid.NewGuid().ToString("N");
        var path = Path.Combine(Root, storedName);
        try
        {
            var length = await CopyAsync(body, path, cap, cancellationToken);
            return await InsertAsync(ownerId, new UploadRow
            {
                OwnerId = ownerId,
                FileName = CleanName(fileName),
                ContentType = contentType is { Length: > 0 and <= UploadRow.MaxContentTypeLength } ? contentType : null,
                Length = length,
                StoredName = storedName,
            }, cancellationToken);
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    private sealed record Usage(int Files, long Bytes);

    /// <summary>How many bytes a new file may have, and what its refusal says: the file's own limit, or what the owner may still keep.</summary>
    private sealed record Cap(long Bytes, string Refusal);

    /// <summary>The files and bytes of the owner's unexpired uploads (expired ones, not yet swept, do not count).</summary>
    private async Task<Usage> UsageAsync(long ownerId, DateTime now, CancellationToken cancellationToken) =>
        await db.Set<UploadRow>().Where(u => u.OwnerId == ownerId && u.ExpiresAt > now)
            .GroupBy(u => u.OwnerId).Select(g => new Usage(g.Count(), g.Sum(u => u.Length)))
            .SingleOrDefaultAsync(cancellationToken) ?? new Usage(0, 0);

    /// <summary>What a new file may hold beside <paramref name="usage"/>; throws when the owner may keep no more files.</summary>
    private Cap Room(Usage usage)
    {
        var limits = options.Value;
        if (usage.Files >= limits.MaxFilesPerOwner)
        {
            throw new UploadTooLargeException(
                $"You keep {usage.Files.ToString(CultureInfo.InvariantCulture)} uploads, the most one user may keep (Uploads:MaxFilesPerOwner); they are deleted when they expire.");
        }

        var left = Math.Max(0, limits.MaxBytesPerOwner - usage.Bytes);
        return left < limits.MaxFileBytes
            ? new Cap(left, $"Your uploads would pass {limits.MaxBytesPerOwner.ToString(CultureInfo.InvariantCulture)} bytes, the most one user may keep (Uploads:MaxBytesPerOwner): {left.ToString(CultureInfo.InvariantCulture)} are left until some expire.")
            : new Cap(limits.MaxFileBytes, $"The file is larger than {limits.MaxFileBytes.ToString(CultureInfo.InvariantCulture)} bytes (Uploads:MaxFileBytes).");
    }

    /// <summary>Copies the body to <paramref name="path"/>, refused as soon as it passes <paramref name="cap"/>; returns its length.</summary>
    private static async Task<long> CopyAsync(Stream body, string path, Cap cap, CancellationToken cancellationToken)
    {
        long length = 0;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                length += read;
                if (length > cap.Bytes)
                {
                    throw new UploadTooLargeException(cap.Refusal);
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return length;
    }

    /// <summary>
    /// Writes the row if the owner may still keep it: the owner's usage read again under a lock
    /// held until the insert commits. On PostgreSQL a transaction-scoped advisory lock of the owner
    /// (a conditional insert alone would not do: two transactions under READ COMMITTED each see the
    /// usage without the other's file); on SQLite the transaction begins IMMEDIATE, one writer at a time.
    /// </summary>
    private async Task<UploadedFile> InsertAsync(long ownerId, UploadRow row, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockNameAsync("uploads.usage:" + ownerId.ToString(CultureInfo.InvariantCulture), cancellationToken);

        var now = clock.GetUtcNow().UtcDateTime;
        var cap = Room(await UsageAsync(ownerId, now, cancellationToken));
        if (row.Length > cap.Bytes)
        {
            throw new UploadTooLargeException(cap.Refusal);
        }

        row.CreatedAt = now;
        row.ExpiresAt = now + options.Value.Retention;
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Of(row);
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

    /// <summary>
    /// Deletes the actor's own uploads <paramref name="ids"/>, files first: the files a refused
    /// request stored before it was refused, which would otherwise count against its owner until they expire.
    /// </summary>
    public async Task DeleteOwnAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0 || actor.UserId is not { } ownerId)
        {
            return;
        }

        await DeleteAsync(db.Set<UploadRow>().Where(u => ids.Contains(u.Id) && u.OwnerId == ownerId), cancellationToken);
    }

    /// <summary>Deletes expired uploads, files first (a hundred a round); returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await DeleteAsync(db.Set<UploadRow>().Where(u => u.ExpiresAt <= now).OrderBy(u => u.ExpiresAt).Take(100), cancellationToken);
    }

    /// <summary>Deletes the uploads <paramref name="which"/> selects, files first, then their rows; returns how many rows.</summary>
    private async Task<int> DeleteAsync(IQueryable<UploadRow> which, CancellationToken cancellationToken)
    {
        var stored = await which.Select(u => new { u.Id, u.StoredName }).ToListAsync(cancellationToken);
        foreach (var upload in stored)
        {
            TryDelete(Path.Combine(Root, upload.StoredName));
        }

        var ids = stored.Select(u => u.Id).ToList();
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
