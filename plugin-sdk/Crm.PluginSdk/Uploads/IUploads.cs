namespace Crm.PluginSdk.Uploads;

/// <summary>A file a user uploaded (<c>POST /uploads</c> or the GraphQL <c>Upload</c> scalar), kept until <see cref="ExpiresAt"/>.</summary>
/// <param name="Id">The file's id, as the upload answered it.</param>
/// <param name="OwnerId">The user who uploaded it: only they may use it.</param>
/// <param name="FileName">The name the client gave (no folder), for messages and result names.</param>
/// <param name="ContentType">The media type the client gave, if any.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="ExpiresAt">When it is deleted (UTC).</param>
public sealed record UploadedFile(long Id, long OwnerId, string FileName, string? ContentType, long Length, DateTime ExpiresAt);

/// <summary>
/// The files users uploaded, as a module reads them (an import). Scoped: a file is found only for
/// the scope's actor who uploaded it (in a job, its owner), so an id alone grants nothing.
/// </summary>
public interface IUploads
{
    /// <summary>The actor's own unexpired file <paramref name="id"/>; null when there is none (another user's, expired, deleted).</summary>
    Task<UploadedFile?> FindAsync(long id, CancellationToken cancellationToken);

    /// <summary>Opens <paramref name="file"/> (found by <see cref="FindAsync"/>) for reading, seekable; throws <see cref="FileNotFoundException"/> when it was swept meanwhile.</summary>
    Task<Stream> OpenReadAsync(UploadedFile file, CancellationToken cancellationToken);
}
