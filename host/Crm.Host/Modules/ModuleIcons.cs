using Microsoft.Net.Http.Headers;

namespace Crm.Host.Modules;

/// <summary>
/// <c>GET /modules/{id}/icon</c>: the icon a module's manifest names, read from the module's own
/// folder. Served without sign-in (an <c>&lt;img&gt;</c> sends no token; it tells no more than
/// that a module of that id is installed). 404 for a module this host does not know, one whose
/// manifest names no icon, or an icon that is missing, not a plain file inside the folder (a link
/// is never followed), or over <see cref="MaxBytes"/>.
/// </summary>
internal static class ModuleIcons
{
    /// <summary>An icon larger than this is not served: an icon is a few KiB, and a module's folder is not a file server.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>A module id is at most 50 characters (<see cref="ModuleLoader"/>); a longer one is refused before any look-up.</summary>
    private const int MaxIdLength = 50;

    /// <summary>Icons change only with their module's files: a browser keeps one an hour, then asks again with its ETag.</summary>
    private const string CacheControl = "public, max-age=3600";

    /// <summary>An SVG is a document that may carry script: opened on its own it runs none, loads nothing, and is sandboxed.</summary>
    private const string SvgContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

    public static string UrlOf(string moduleId) => $"/modules/{Uri.EscapeDataString(moduleId)}/icon";

    public static void MapModuleIcons(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/modules/{id}/icon", (string id, HttpContext http, ModuleCatalog catalog) =>
        {
            if (id.Length > MaxIdLength || catalog.Find(id) is not { Manifest.Icon: { } icon } module || FileOf(module.Directory, icon) is not { } file)
            {
                return Results.NotFound();
            }

            http.Response.Headers.CacheControl = CacheControl;
            var contentType = ContentTypeOf(icon)!;
            if (contentType == "image/svg+xml")
            {
                http.Response.Headers.ContentSecurityPolicy = SvgContentSecurityPolicy;
            }

            // The ETag changes with the file (its size and time written), so a replaced icon is fetched anew.
            var tag = new EntityTagHeaderValue($"\"{file.Length:x}-{file.LastWriteTimeUtc.Ticks:x}\"");
            return Results.File(file.FullName, contentType, lastModified: file.LastWriteTimeUtc, entityTag: tag);
        });

    /// <summary>The content type of an icon's name (a small allow-list); null for any other.</summary>
    internal static string? ContentTypeOf(string icon) => Path.GetExtension(icon).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".svg" => "image/svg+xml",
        _ => null,
    };

    /// <summary>
    /// The icon's file when it is a plain file (not a link) directly inside the module's folder,
    /// of an allowed type and at most <see cref="MaxBytes"/>; null otherwise. The manifest's icon
    /// was checked at load (<see cref="ModuleLoader.IsIconName"/>: a file name, no path); it is
    /// checked again here, where a file is opened.
    /// </summary>
    internal static FileInfo? FileOf(string moduleDirectory, string icon)
    {
        if (!ModuleLoader.IsIconName(icon) || ContentTypeOf(icon) is null)
        {
            return null;
        }

        var folder = Path.GetFullPath(moduleDirectory);
        var file = new FileInfo(Path.GetFullPath(Path.Combine(folder, icon)));
        var inside = string.Equals(file.DirectoryName, folder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);
        return inside && file.Exists && file.LinkTarget is null && file.Length <= MaxBytes ? file : null;
    }
}
