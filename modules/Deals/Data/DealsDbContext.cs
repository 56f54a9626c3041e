using Crm.Modules.Deals.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Deals.Data;

public sealed class DealsDbContext(DbContextOptions<DealsDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => DealsModule.Id;

    public DbSet<Deal> Deals => Set<Deal>();

    public DbSet<DealContactLink> ContactLinks => Set<DealContactLink>();

    public DbSet<Pipeline> Pipelines => Set<Pipeline>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Deal>(deal =>
        {
            deal.ToTable("deals");
            deal.HasKey(d => d.Id);
            deal.Property(d => d.Title).HasMaxLength(255);
            deal.Property(d => d.TypeId).HasMaxLength(50);
            deal.Property(d => d.StageId).HasMaxLength(50);
            deal.Property(d => d.StageSemantics).HasConversion<string>().HasMaxLength(16);
            deal.Property(d => d.CurrencyId).HasMaxLength(3);
            deal.Property(d => d.SourceId).HasMaxLength(50);
            deal.Property(d => d.SourceDescription).HasMaxLength(2000);
            deal.Property(d => d.Comments).HasMaxLength(20_000);
            foreach (var utm in new[] { nameof(Deal.UtmSource), nameof(Deal.UtmMedium), nameof(Deal.UtmCampaign), nameof(Deal.UtmContent), nameof(Deal.UtmTerm) })
            {
                deal.Property(utm).HasMaxLength(255);
            }

            // The reference read: the largest deals of some stages; and the usual "my open deals".
            // The same read by a caller whose rights narrow it to some assignees (OWN, DEPARTMENT,
            // SUBDEPARTMENTS add assigned_by_id = ANY(...) to every deal query): their deals of
            // the stages, counted from the index alone and sorted from a few hundred entries.
            deal.HasIndex(d => new { d.StageId, d.Opportunity });
            deal.HasIndex(d => new { d.AssignedById, d.StageId, d.Opportunity });
            deal.HasIndex(d => new { d.PipelineId, d.StageId });
            deal.HasIndex(d => new { d.AssignedById, d.Closed });
            deal.HasIndex(d => d.CompanyId);
            deal.HasIndex(d => d.ContactId);
            deal.HasIndex(d => d.LeadId);
            // No deal outlives its pipeline: the key decides a deletePipeline racing a deal's write.
            deal.HasOne<Pipeline>().WithMany().HasForeignKey(d => d.PipelineId).OnDelete(DeleteBehavior.NoAction);
            deal.HasMany(d => d.ContactLinks).WithOne().HasForeignKey(l => l.DealId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DealContactLink>(link =>
        {
            link.ToTable("deal_contacts");
            link.HasKey(l => new { l.DealId, l.ContactId });
            link.HasIndex(l => l.ContactId);
        });

        modelBuilder.Entity<Pipeline>(pipeline =>
        {
            pipeline.ToTable("pipelines");
            pipeline.HasKey(p => p.Id);
            pipeline.Property(p => p.Id).ValueGeneratedNever();
            pipeline.Property(p => p.Name).HasMaxLength(100);
            pipeline.Ignore(p => p.IsDefault);
            pipeline.HasData(new Pipeline { Id = Pipeline.DefaultId, Name = "General", Sort = 10 });
        });
    }
}

public sealed class DealsDesignTimeFactory() : ModuleDesignTimeFactory<DealsDbContext>(DealsModule.Id);
