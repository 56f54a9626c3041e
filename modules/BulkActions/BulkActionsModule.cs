using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.BulkActions;

/// <summary>
/// Bulk actions on the records of any registered record type (plugins' too), as background jobs:
/// each record goes through its type's own update or delete (or another module's automation action), with the owner's rights checked per record.
/// </summary>
public sealed class BulkActionsModule : ICrmModule
{
    public const string Id = "bulk_actions";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Bulk updates, assignments, stage moves (open, close), comments, activities and deletions of records, run as background jobs with a result per record.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        var options = context.Configuration.GetSection(BulkActionsOptions.SectionName).Get<BulkActionsOptions>() ?? new BulkActionsOptions();
        options.Check();
        services.AddSingleton(options);
    }
}

/// <summary>The <c>BulkActions</c> section.</summary>
public sealed class BulkActionsOptions
{
    public const string SectionName = "BulkActions";

    /// <summary>The most ids one bulk action may name.</summary>
    public int MaxIds { get; set; } = 1000;

    /// <summary>The most records one bulk action may touch (a <c>where</c> or view matching more is refused).</summary>
    public int MaxRecords { get; set; } = 10_000;

    /// <summary>The most fields one bulk action may set.</summary>
    public int MaxFields { get; set; } = 50;

    /// <summary>Records read per list statement.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>The most refused records the job's result lists (each with its code and reason); the counts hold them all.</summary>
    public int MaxRefusalsListed { get; set; } = 1000;

    public void Check()
    {
        if (MaxIds is < 1 or > 100_000)
        {
            throw new InvalidOperationException("BulkActions:MaxIds must be 1 to 100000.");
        }

        if (MaxRecords is < 1 or > 1_000_000)
        {
            throw new InvalidOperationException("BulkActions:MaxRecords must be 1 to 1000000.");
        }

        if (MaxFields is < 1 or > 1000)
        {
            throw new InvalidOperationException("BulkActions:MaxFields must be 1 to 1000.");
        }

        if (PageSize is < 1 or > 10_000)
        {
            throw new InvalidOperationException("BulkActions:PageSize must be 1 to 10000 (and no more than Limits:MaxPageSize).");
        }

        if (MaxRefusalsListed is < 0 or > 100_000)
        {
            throw new InvalidOperationException("BulkActions:MaxRefusalsListed must be 0 to 100000.");
        }
    }
}
