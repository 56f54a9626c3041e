using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Export;

/// <summary>
/// Exports of any registered record type (plugins' too) to CSV or XLSX, as background jobs: the
/// list's filter, order and access rights, columns labelled in the owner's language.
/// </summary>
public sealed class ExportModule : ICrmModule
{
    public const string Id = "export";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Exports of records to CSV and XLSX files, run as background jobs.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        var options = context.Configuration.GetSection(ExportOptions.SectionName).Get<ExportOptions>() ?? new ExportOptions();
        options.Check();
        services.AddSingleton(options);
    }
}

/// <summary>The <c>Export</c> section.</summary>
public sealed class ExportOptions
{
    public const string SectionName = "Export";

    /// <summary>Rows read per statement (and per checkpoint); at most <c>Limits:MaxPageSize</c>.</summary>
    public int PageSize { get; set; } = 200;

    /// <summary>The most columns one export may name.</summary>
    public int MaxColumns { get; set; } = 100;

    public void Check()
    {
        if (PageSize is < 1 or > 10_000)
        {
            throw new InvalidOperationException("Export:PageSize must be 1 to 10000 (and no more than Limits:MaxPageSize).");
        }

        if (MaxColumns is < 1 or > 1000)
        {
            throw new InvalidOperationException("Export:MaxColumns must be 1 to 1000.");
        }
    }
}
