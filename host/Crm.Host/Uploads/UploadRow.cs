using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Uploads;

/// <summary>
/// An uploaded file (<c>platform.uploads</c>): whose it is, what the client called it, and the
/// name of its bytes in <see cref="UploadOptions.FilesPath"/>, until it expires.
/// </summary>
public sealed class UploadRow
{
    public const int MaxFileNameLength = 255;
    public const int MaxContentTypeLength = 100;

    public long Id { get; set; }

    public long OwnerId { get; set; }

    public string FileName { get; set; } = "";

    public string? ContentType { get; set; }

    public long Length { get; set; }

    /// <summary>The file's name in the uploads folder: random, never derived from what the client sent.</summary>
    public string StoredName { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    internal static void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<UploadRow>(upload =>
        {
            upload.ToTable("uploads");
            upload.HasKey(u => u.Id);
            upload.Property(u => u.FileName).HasMaxLength(MaxFileNameLength);
            upload.Property(u => u.ContentType).HasMaxLength(MaxContentTypeLength);
            upload.Property(u => u.StoredName).HasMaxLength(64);
            // What the sweep deletes, oldest first.
            upload.HasIndex(u => u.ExpiresAt);
            // What one owner keeps (the per-owner bounds, read at every upload).
            upload.HasIndex(u => new { u.OwnerId, u.ExpiresAt });
        });
}
