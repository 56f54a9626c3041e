using Acme.Quotes.Documents;
using Acme.Quotes.Invoices;
using Acme.Quotes.Quotes;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Acme.Quotes.Data;

/// <summary>The plugin's tables, in its own PostgreSQL schema (table prefix on SQLite).</summary>
public sealed class QuotesDbContext(DbContextOptions<QuotesDbContext> options) : ModuleDbContext(options)
{
    public override string Schema => QuotesModule.Id;

    public DbSet<Quote> Quotes => Set<Quote>();

    public DbSet<Invoice> Invoices => Set<Invoice>();

    public DbSet<QuoteRow> QuoteRows => Set<QuoteRow>();

    public DbSet<InvoiceRow> InvoiceRows => Set<InvoiceRow>();

    public DbSet<DocumentCounter> DocumentCounters => Set<DocumentCounter>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Quote>(quote =>
        {
            MapDocument(quote, "quotes");
        });
        modelBuilder.Entity<Invoice>(invoice =>
        {
            MapDocument(invoice, "invoices");
            invoice.HasIndex(i => i.QuoteId);
        });
        modelBuilder.Entity<QuoteRow>(row =>
        {
            MapRow(row, "quote_rows");
            // Rows go with their document: none outlives it.
            row.HasOne(r => r.Quote).WithMany().HasForeignKey(r => r.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<InvoiceRow>(row =>
        {
            MapRow(row, "invoice_rows");
            row.HasOne(r => r.Invoice).WithMany().HasForeignKey(r => r.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<DocumentCounter>(counter =>
        {
            counter.ToTable("document_counters");
            counter.HasKey(c => new { c.Kind, c.Year });
            counter.Property(c => c.Kind).HasMaxLength(10);
        });
    }

    private static void MapDocument<TDocument>(EntityTypeBuilder<TDocument> document, string table)
        where TDocument : SalesDocument
    {
        document.ToTable(table);
        document.HasKey(d => d.Id);
        document.Property(d => d.Number).HasMaxLength(DocumentNumbers.MaxLength);
        document.HasIndex(d => d.Number).IsUnique();
        document.Property(d => d.Title).HasMaxLength(SalesDocumentFields.MaxTitleLength);
        document.Property(d => d.StatusId).HasMaxLength(50);
        document.Property(d => d.CurrencyId).HasMaxLength(3);
        document.HasIndex(d => d.DealId);
        document.HasIndex(d => d.CompanyId);
        document.HasIndex(d => d.ContactId);
        document.HasIndex(d => d.AssignedById);
    }

    private static void MapRow<TRow>(EntityTypeBuilder<TRow> row, string table)
        where TRow : ProductRow
    {
        row.ToTable(table);
        row.HasKey(r => r.Id);
        row.Property(r => r.ProductName).HasMaxLength(RowTotals.MaxProductNameLength);
        row.HasIndex(r => new { r.DocumentId, r.Position });
    }
}

/// <summary>For dotnet-ef (add-migration.sh): the model of either engine, chosen by CRM_EF_PROVIDER.</summary>
public sealed class QuotesDesignTimeFactory() : ModuleDesignTimeFactory<QuotesDbContext>(QuotesModule.Id);
