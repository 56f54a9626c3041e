using Crm.PluginSdk.Modules;
using Crm.Tests.SamplePlugin.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>The plugin's settings: one row, seeded by its install hook.</summary>
public sealed class QuoteTerms
{
    public const int Row = 1;

    public int Id { get; set; } = Row;

    /// <summary>How many days a new quote holds when its creator gives no date.</summary>
    public int ValidityDays { get; set; }
}

/// <summary>The install hook: the terms a new installation starts with, once per database.</summary>
public sealed class SeedQuoteTerms : IModuleDataMigration
{
    public const int DefaultValidityDays = 30;

    public string Id => "0001-seed-quote-terms";

    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<SamplePluginDbContext>();
        if (!await db.QuoteTerms.AnyAsync(cancellationToken))
        {
            db.QuoteTerms.Add(new QuoteTerms { ValidityDays = DefaultValidityDays });
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
