using Crm.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Quotes;

/// <summary>
/// A host with the built-in modules and the Quotes plugin as a partner ships it (published by
/// <see cref="QuotesPluginBuild"/>), without the tests' sample plugin (whose type is also named
/// quote), and the plugin the crm-plugin template makes (<see cref="TemplatePluginBuild"/>), on a
/// clock the tests move.
/// </summary>
public abstract class QuotesHost(Engine engine) : HostFixture(engine)
{
    private DirectoryInfo? _modules;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Modules:Path"] = _modules!.FullName };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    public override async Task InitializeAsync()
    {
        var plugin = await QuotesPluginBuild.FolderAsync();
        var fromTemplate = await TemplatePluginBuild.FolderAsync();
        _modules = Directory.CreateTempSubdirectory("crm-quotes-test-");
        foreach (var module in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "modules")))
        {
            Directory.CreateSymbolicLink(Path.Combine(_modules.FullName, Path.GetFileName(module)), module);
        }

        Directory.CreateSymbolicLink(Path.Combine(_modules.FullName, QuotesPluginBuild.AssemblyName), plugin);
        Directory.CreateSymbolicLink(Path.Combine(_modules.FullName, TemplatePluginBuild.AssemblyName), fromTemplate);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            _modules?.Delete(recursive: true); // links are removed, not followed
        }
        catch (IOException)
        {
            // A loaded module's files may stay open; the temp folder is cleaned by the OS.
        }
    }
}

public sealed class QuotesSqliteHost() : QuotesHost(Engine.Sqlite);

public sealed class QuotesPostgresHost() : QuotesHost(Engine.Postgres);
