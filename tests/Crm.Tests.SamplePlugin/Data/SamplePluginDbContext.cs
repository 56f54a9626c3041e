using Crm.PluginSdk.Data;
using Crm.Tests.SamplePlugin.Faults;
using Crm.Tests.SamplePlugin.Quotes;
using Microsoft.EntityFrameworkCore;

namespace Crm.Tests.SamplePlugin.Data;

/// <summary>The plugin's tables: its own PostgreSQL schema (or table prefix on SQLite), like any module's.</summary>
public sealed class SamplePluginDbContext(DbContextOptions<SamplePluginDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => SamplePluginModule.Id;

    public DbSet<Quote> Quotes => Set<Quote>();

    public DbSet<QuoteTerms> QuoteTerms => Set<QuoteTerms>();

    public DbSet<QuoteNote> QuoteNotes => Set<QuoteNote>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<FaultProbe>(probe =>
        {
            probe.ToTable("fault_probes");
            probe.HasKey(p => p.Id);
            probe.Property(p => p.Title).HasMaxLength(255);
        });
        modelBuilder.Entity<Quote>(quote =>
        {
            quote.ToTable("quotes");
            quote.HasKey(q => q.Id);
            quote.Property(q => q.Title).HasMaxLength(255);
            quote.Property(q => q.StatusId).HasMaxLength(50);
            quote.Property(q => q.CurrencyId).HasMaxLength(3);
            quote.HasIndex(q => q.DealId);
            // Deleting a quote clears the link of the quotes revising it: found by this index.
            quote.HasIndex(q => q.RevisesId);
            quote.HasIndex(q => q.AssignedById);
        });
        modelBuilder.Entity<QuoteNote>(note =>
        {
            note.ToTable("quote_notes");
            note.HasKey(n => n.Id);
            note.Property(n => n.Text).HasMaxLength(QuoteNotesSchema.MaxTextLength);
            // Notes go with their quote: no note outlives the record it is about.
            note.HasOne<Quote>().WithMany().HasForeignKey(n => n.QuoteId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<QuoteTerms>(terms =>
        {
            terms.ToTable("quote_terms");
            terms.HasKey(t => t.Id);
            terms.Property(t => t.Id).ValueGeneratedNever();
        });
    }
}

/// <summary>For dotnet-ef; see <see cref="ModuleDesignTimeFactory{TContext}"/>.</summary>
public sealed class SamplePluginDesignTimeFactory() : ModuleDesignTimeFactory<SamplePluginDbContext>(SamplePluginModule.Id);
