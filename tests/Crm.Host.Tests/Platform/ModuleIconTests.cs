using System.Net;
using Crm.Host.Modules;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Platform;

/// <summary>A host whose sample plugin's manifest names <c>icon.png</c>; the tests put in its folder what they serve.</summary>
public abstract class IconHostFixture(Engine engine) : HostFixture(engine)
{
    public const string IconName = "icon.png";

    private readonly SamplePluginFolder _modules = new(new { icon = IconName });

    public string PluginFolder => Path.Combine(_modules.FullName, SamplePluginFolder.PluginFolderName);

    protected override IReadOnlyDictionary<string, string?>? Settings => _modules.Settings;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _modules.Dispose();
    }
}

public sealed class IconSqliteHost() : IconHostFixture(Engine.Sqlite);

public sealed class IconPostgresHost() : IconHostFixture(Engine.Postgres);

/// <summary>
/// <c>GET /modules/{id}/icon</c>: the manifest's icon from the module's own folder, typed by its
/// extension and cached with an ETag; nothing outside the folder, no link, nothing too large.
/// </summary>
public abstract class ModuleIconTests(IconHostFixture fixture)
{
    private const string Plugin = "sample_plugin";

    /// <summary>The smallest PNG there is: its signature and an IHDR chunk are enough to tell the type.</summary>
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89];

    private CrmHost Host => fixture.Host;

    private string IconPath => Path.Combine(fixture.PluginFolder, IconHostFixture.IconName);

    [Fact]
    public async Task The_icon_is_served_with_its_type_and_cached_and_the_marketplace_names_its_url()
    {
        Replace(() => File.WriteAllBytes(IconPath, Png));
        using var client = Host.CreateClient(apiKey: null);

        using var response = await client.GetAsync($"/modules/{Plugin}/icon");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Png, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("public, max-age=3600", response.Headers.CacheControl!.ToString());
        var tag = response.Headers.ETag!;
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/modules/{Plugin}/icon");
        again.Headers.IfNoneMatch.Add(tag);
        using var notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var installed = (await Host.QueryAsync("{ marketplace { installed { id iconUrl } } }")).ShouldSucceed().Data!["marketplace"]!["installed"]!.AsArray();
        Assert.Equal($"/modules/{Plugin}/icon", installed.Single(p => p!["id"]!.GetValue<string>() == Plugin)!["iconUrl"]!.GetValue<string>());
        // A built-in module names no icon.
        Assert.Null(installed.Single(p => p!["id"]!.GetValue<string>() == "deals")!["iconUrl"]);
    }

    [Fact]
    public async Task A_link_out_of_the_folder_is_not_followed()
    {
        var outside = Path.Combine(Path.GetTempPath(), $"crm-icon-outside-{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(outside, Png);
        try
        {
            Replace(() => File.CreateSymbolicLink(IconPath, outside));
            using var client = Host.CreateClient(apiKey: null);

            using var response = await client.GetAsync($"/modules/{Plugin}/icon");

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task An_icon_of_ten_times_the_limit_is_not_served()
    {
        Replace(() => File.WriteAllBytes(IconPath, [.. Png, .. new byte[(ModuleIcons.MaxBytes * 10) - Png.Length]]));
        using var client = Host.CreateClient(apiKey: null);

        using var response = await client.GetAsync($"/modules/{Plugin}/icon");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("deals")] // a module whose manifest names no icon
    [InlineData("no_such_module")]
    [InlineData("..%2F..%2Fetc")] // a path where an id goes
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // ten times an id's 50 characters
    public async Task No_icon_is_found_for_a_module_without_one_or_an_id_no_module_has(string id)
    {
        using var client = Host.CreateClient(apiKey: null);

        using var response = await client.GetAsync($"/modules/{id}/icon");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("../icon.png")]
    [InlineData("/etc/icon.png")]
    [InlineData("sub/icon.png")]
    [InlineData("icon.exe")]
    [InlineData("icon.html")]
    public void A_name_that_is_not_a_plain_icon_file_of_the_folder_is_refused(string icon)
    {
        // The file is there: only the name's check keeps it from being served.
        var file = Path.GetFullPath(icon.StartsWith('/') ? icon : Path.Combine(fixture.PluginFolder, icon));
        if (!icon.StartsWith('/'))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, Png);
        }

        Assert.Null(ModuleIcons.FileOf(fixture.PluginFolder, icon));
    }

    private void Replace(Action write)
    {
        File.Delete(IconPath);
        write();
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ModuleIconOnSqlite(IconSqliteHost fixture) : ModuleIconTests(fixture), IClassFixture<IconSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ModuleIconOnPostgres(IconPostgresHost fixture) : ModuleIconTests(fixture), IClassFixture<IconPostgresHost>;
