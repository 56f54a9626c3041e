using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Crm.Host.Marketplace;

/// <summary>
/// A <c>.crmplugin</c> package: a zip of <c>manifest.json</c>, the plugin folder's files under
/// <c>lib/</c> and, once signed, <c>signature.json</c>. Its content hash covers every entry but the
/// signature, in ordinal order of their paths (path, length and SHA-256 of each), so that it does not
/// depend on how the zip was written; the publisher signs that hash. Reading a package checks its
/// bounds (<see cref="PackageLimits"/>), every path and the manifest before anything is unpacked.
/// </summary>
public sealed class PluginPackage
{
    public const string Extension = ".crmplugin";
    public const string LibFolder = "lib/";
    public const string SignatureFileName = "signature.json";
    private const string HashPrefix = "crmplugin-v1\n";

    private readonly byte[] _bytes;
    private readonly IReadOnlyList<string> _libEntries;

    private PluginPackage(byte[] bytes, PluginPackageManifest manifest, string contentHash, PackageSignature? signature, IReadOnlyList<string> libEntries)
    {
        _bytes = bytes;
        Manifest = manifest;
        ContentHash = contentHash;
        Signature = signature;
        _libEntries = libEntries;
        FileHash = HashOf(bytes);
    }

    public PluginPackageManifest Manifest { get; }

    /// <summary>Lower-case hex SHA-256 over the entries (see the class); what the publisher signs.</summary>
    public string ContentHash { get; }

    /// <summary>Lower-case hex SHA-256 of the package file: what a feed's index lists.</summary>
    public string FileHash { get; }

    public PackageSignature? Signature { get; }

    public ReadOnlyMemory<byte> Bytes => _bytes;

    public static string HashOf(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Packs a built plugin folder (every file under it, under <c>lib/</c>) with its manifest; unsigned.</summary>
    /// <param name="extraFiles">Files to add under <c>lib/</c> that the folder lacks (an icon embedded in the assembly), by name.</param>
    public static byte[] Pack(string folder, PluginPackageManifest manifest, IReadOnlyDictionary<string, byte[]>? extraFiles = null)
    {
        manifest.Check();
        var root = Path.GetFullPath(folder);
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(file => (File: file, Entry: LibFolder + Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f.Entry, StringComparer.Ordinal)
            .ToList();
        extraFiles ??= new Dictionary<string, byte[]>();
        if (files.Count + 2 > PackageLimits.MaxEntries)
        {
            throw new PackageException($"{folder} has {files.Count} files; a package holds at most {PackageLimits.MaxEntries - 2}");
        }

        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, PluginPackageManifest.FileName, manifest.ToJson());
            foreach (var (file, entry) in files)
            {
                CheckPath(entry);
                zip.CreateEntryFromFile(file, entry, CompressionLevel.Optimal);
            }

            foreach (var (name, content) in extraFiles.Where(f => !files.Any(file => file.Entry == LibFolder + f.Key)))
            {
                CheckPath(LibFolder + name);
                Write(zip, LibFolder + name, content);
            }
        }

        var bytes = output.ToArray();
        // What is written is read back with the installing host's checks: a package too large or
        // unreadable is refused here, not at the customer's.
        Read(bytes);
        return bytes;
    }

    /// <summary>The package with <paramref name="signature"/> as its signature.json (any earlier one replaced); the content hash does not change.</summary>
    public byte[] WithSignature(PackageSignature signature)
    {
        if (signature.ContentHash != ContentHash)
        {
            throw new PackageException("the signature is over another content hash");
        }

        using var output = new MemoryStream();
        output.Write(_bytes);
        using (var zip = new ZipArchive(output, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(SignatureFileName)?.Delete();
            Write(zip, SignatureFileName, JsonSerializer.SerializeToUtf8Bytes(signature, PluginPackageManifest.Json));
        }

        return output.ToArray();
    }

    /// <summary>
    /// Reads a package: bounds, paths, the manifest, the signature file (not its validity: see
    /// <see cref="VerifySignature"/>) and the content hash, which unpacks every entry once, counted.
    /// </summary>
    public static PluginPackage Read(byte[] bytes)
    {
        if (bytes.LongLength > PackageLimits.MaxPackageBytes)
        {
            throw new PackageException($"it is {bytes.LongLength:N0} bytes; a package is at most {PackageLimits.MaxPackageBytes:N0}");
        }

        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            var entries = zip.Entries;
            if (entries.Count > PackageLimits.MaxEntries)
            {
                throw new PackageException($"it has {entries.Count} entries; a package holds at most {PackageLimits.MaxEntries}");
            }

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            long declared = 0;
            foreach (var entry in entries)
            {
                CheckPath(entry.FullName);
                if (!seen.Add(entry.FullName))
                {
                    throw new PackageException($"it holds '{entry.FullName}' twice");
                }

                declared += entry.Length;
                if (entry.Length < 0 || declared > PackageLimits.MaxUnpackedBytes)
                {
                    throw new PackageException($"it unpacks to more than {PackageLimits.MaxUnpackedBytes:N0} bytes");
                }
            }

            var manifestEntry = zip.GetEntry(PluginPackageManifest.FileName) ?? throw new PackageException($"it has no {PluginPackageManifest.FileName}");
            var manifest = PluginPackageManifest.Parse(ReadSmall(manifestEntry));
            var libEntries = entries.Where(e => e.FullName.StartsWith(LibFolder, StringComparison.Ordinal)).Select(e => e.FullName).ToList();
            if (!libEntries.Contains($"{LibFolder}{manifest.Assembly}.dll"))
            {
                throw new PackageException($"it has no {LibFolder}{manifest.Assembly}.dll, the assembly its manifest names");
            }

            if (manifest.Icon is { } icon && !libEntries.Contains(icon))
            {
                throw new PackageException($"it has no {icon}, the icon its manifest names");
            }

            if (entries.FirstOrDefault(e => e.FullName != PluginPackageManifest.FileName && e.FullName != SignatureFileName && !e.FullName.StartsWith(LibFolder, StringComparison.Ordinal)) is { } stray)
            {
                throw new PackageException($"its entry '{stray.FullName}' is neither the manifest, the signature nor under {LibFolder}");
            }

            PackageSignature? signature = null;
            if (zip.GetEntry(SignatureFileName) is { } signatureEntry)
            {
                try
                {
                    signature = JsonSerializer.Deserialize<PackageSignature>(ReadSmall(signatureEntry), PluginPackageManifest.Json);
                }
                catch (JsonException ex)
                {
                    throw new PackageException($"its {SignatureFileName} cannot be read: {ex.Message}");
                }

                if (signature is null || signature.Publisher is null || signature.ContentHash is null || signature.Signature is null || signature.KeyId is null)
                {
                    throw new PackageException($"its {SignatureFileName} lacks a member");
                }
            }

            return new PluginPackage(bytes, manifest, ComputeContentHash(entries), signature, libEntries);
        }
        catch (InvalidDataException ex)
        {
            throw new PackageException($"it is not a readable zip: {ex.Message}");
        }
    }

    /// <summary>Throws unless the package is signed by its manifest's publisher with this key, over its actual content.</summary>
    public void VerifySignature(string publicKey)
    {
        if (Signature is null)
        {
            throw new PackageException("it is not signed");
        }

        if (Signature.Publisher != Manifest.Publisher)
        {
            throw new PackageException($"it is signed by '{Signature.Publisher}', but its manifest names the publisher '{Manifest.Publisher}'");
        }

        if (Signature.ContentHash != ContentHash)
        {
            throw new PackageException("its content was changed after it was signed (the content hash differs from the signed one)");
        }

        if (!PublisherKeys.Verify(publicKey, Signature))
        {
            throw new PackageException($"its signature is not the trusted key's of publisher '{Manifest.Publisher}' (key {PublisherKeys.Fingerprint(publicKey)}, signed with {Signature.KeyId})");
        }
    }

    /// <summary>Writes the <c>lib/</c> entries into <paramref name="folder"/> (which must not exist yet), counted again as they are unpacked.</summary>
    public void ExtractTo(string folder)
    {
        try
        {
            Extract(Path.GetFullPath(folder));
        }
        catch (InvalidDataException ex)
        {
            throw new PackageException($"it is not a readable zip: {ex.Message}");
        }
    }

    private void Extract(string root)
    {
        Directory.CreateDirectory(root);
        using var zip = new ZipArchive(new MemoryStream(_bytes, writable: false), ZipArchiveMode.Read);
        long budget = PackageLimits.MaxUnpackedBytes;
        foreach (var name in _libEntries)
        {
            var entry = zip.GetEntry(name)!;
            if (name.EndsWith('/'))
            {
                continue;
            }

            var target = Path.GetFullPath(Path.Combine(root, name[LibFolder.Length..]));
            // Paths were checked when read; this keeps the promise whatever the checks missed.
            if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new PackageException($"its entry '{name}' would be written outside the plugin's folder");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = entry.Open();
            using var destination = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
            CopyCounted(source, destination, entry.Length, ref budget, name);
        }
    }

    /// <summary>A path of an entry: relative, '/'-separated, no '.' or '..' segments, plain characters, bounded.</summary>
    internal static void CheckPath(string path)
    {
        var segments = path.TrimEnd('/').Split('/');
        if (path.Length is 0 or > PackageLimits.MaxEntryPathLength || segments.Length > PackageLimits.MaxEntryDepth
            || segments.Any(s => s.Length == 0 || s is "." or ".." || !s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+')))
        {
            throw new PackageException($"its entry '{Shorten(path)}' is not a plain relative path (at most {PackageLimits.MaxEntryPathLength} characters and {PackageLimits.MaxEntryDepth} levels of letters, digits, '.', '_', '-', '+'; no '..')");
        }
    }

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";

    private static string ComputeContentHash(IReadOnlyCollection<ZipArchiveEntry> entries)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(HashPrefix));
        long budget = PackageLimits.MaxUnpackedBytes;
        foreach (var entry in entries.Where(e => e.FullName != SignatureFileName && !e.FullName.EndsWith('/')).OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var source = entry.Open())
            {
                using var sink = new HashingSink(content);
                CopyCounted(source, sink, entry.Length, ref budget, entry.FullName);
            }

            hash.AppendData(Encoding.UTF8.GetBytes($"{entry.FullName}\n{entry.Length}\n{Convert.ToHexStringLower(content.GetHashAndReset())}\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    // A zip's sizes are claims: what an entry really unpacks to is counted against its claim and the package's budget.
    private static void CopyCounted(Stream source, Stream destination, long declared, ref long budget, string name)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += read;
            budget -= read;
            if (total > declared || budget < 0)
            {
                throw new PackageException($"its entry '{Shorten(name)}' unpacks to more than it declares, or the package to more than {PackageLimits.MaxUnpackedBytes:N0} bytes");
            }

            destination.Write(buffer, 0, read);
        }

        if (total != declared)
        {
            throw new PackageException($"its entry '{Shorten(name)}' unpacks to less than it declares");
        }
    }

    private static byte[] ReadSmall(ZipArchiveEntry entry)
    {
        if (entry.Length > PackageLimits.MaxManifestBytes)
        {
            throw new PackageException($"its {entry.FullName} is larger than {PackageLimits.MaxManifestBytes:N0} bytes");
        }

        using var source = entry.Open();
        using var copy = new MemoryStream();
        long budget = PackageLimits.MaxManifestBytes;
        CopyCounted(source, copy, entry.Length, ref budget, entry.FullName);
        return copy.ToArray();
    }

    private static void Write(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        stream.Write(content);
    }

    /// <summary>A write-only stream that feeds a hash.</summary>
    private sealed class HashingSink(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
