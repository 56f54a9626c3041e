namespace Crm.Host.Marketplace;

/// <summary>
/// The plugins' folders under <c>Modules:Path</c>: a verified package is unpacked into a staging
/// folder (<c>.staging/</c>, which the loader skips) and moved into place with one rename, so a
/// host never sees half a plugin; each installed folder carries a marker with its package's hash.
/// </summary>
public sealed class PluginFolders(string modulesPath)
{
    /// <summary>Beside a plugin's files: the hash of the package it was unpacked from.</summary>
    public const string MarkerFileName = ".crmplugin-installed";

    /// <summary>Inside the modules folder, so that a move into place is a rename on one file system.</summary>
    public const string StagingFolderName = ".staging";

    public string ModulesPath { get; } = Path.GetFullPath(modulesPath);

    public string PathOf(string folder) => Path.Combine(ModulesPath, folder);

    /// <summary>The package hash the folder was unpacked from, or null (no folder, not a marketplace plugin's).</summary>
    public string? InstalledHash(string folder)
    {
        var marker = Path.Combine(PathOf(folder), MarkerFileName);
        return File.Exists(marker) ? File.ReadAllText(marker).Trim() : null;
    }

    /// <summary>Unpacks into staging; the caller moves it into place with <see cref="MoveIntoPlace"/> or drops it.</summary>
    public string Stage(PluginPackage package)
    {
        var staging = Path.Combine(ModulesPath, StagingFolderName, $"{package.Manifest.Assembly}-{Guid.NewGuid():N}");
        try
        {
            package.ExtractTo(staging);
            File.WriteAllText(Path.Combine(staging, MarkerFileName), package.FileHash);
            return staging;
        }
        catch
        {
            Drop(staging);
            throw;
        }
    }

    /// <summary>
    /// Puts a staged folder in place of <paramref name="folder"/>; an existing one (another version)
    /// is moved aside first and deleted after, so the swap itself is two renames.
    /// </summary>
    public void MoveIntoPlace(string staged, string folder, bool replace)
    {
        var target = PathOf(folder);
        string? aside = null;
        if (Directory.Exists(target))
        {
            if (!replace)
            {
                throw new PackageException($"the folder {folder} is already in the modules folder");
            }

            aside = Path.Combine(ModulesPath, StagingFolderName, $"{folder}-old-{Guid.NewGuid():N}");
            Directory.Move(target, aside);
        }

        Directory.Move(staged, target);
        if (aside is not null)
        {
            Drop(aside);
        }
    }

    /// <summary>Deletes a plugin's folder (a link is removed, not followed).</summary>
    public void Remove(string folder)
    {
        var target = PathOf(folder);
        if (Directory.Exists(target))
        {
            var aside = Path.Combine(ModulesPath, StagingFolderName, $"{folder}-removed-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Path.GetDirectoryName(aside)!);
            Directory.Move(target, aside);
            Drop(aside);
        }
    }

    /// <summary>The folders holding a marketplace plugin (with a marker), by name.</summary>
    public IEnumerable<string> MarkedFolders() =>
        Directory.Exists(ModulesPath)
            ? Directory.GetDirectories(ModulesPath).Where(d => File.Exists(Path.Combine(d, MarkerFileName))).Select(d => Path.GetFileName(d)!)
            : [];

    /// <summary>Whatever a crash left in staging.</summary>
    public void ClearStaging() => Drop(Path.Combine(ModulesPath, StagingFolderName));

    private static void Drop(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file still open (a loaded assembly on some systems): staging is cleared at the next start.
        }
    }
}
