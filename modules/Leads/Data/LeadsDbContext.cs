using Crm.Modules.Leads.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Leads.Data;

public sealed class LeadsDbContext(DbContextOptions<LeadsDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => LeadsModule.Id;

    public DbSet<Lead> Leads => Set<Lead>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Lead>(lead =>
        {
            lead.ToTable("leads");
            lead.HasKey(l => l.Id);
            lead.Property(l => l.Title).HasMaxLength(255);
            lead.Property(l => l.Honorific).HasMaxLength(50);
            lead.Property(l => l.Name).HasMaxLength(50);
            lead.Property(l => l.SecondName).HasMaxLength(50);
            lead.Property(l => l.LastName).HasMaxLength(50);
            lead.Property(l => l.CompanyTitle).HasMaxLength(255);
            lead.Property(l => l.Post).HasMaxLength(255);
            lead.Property(l => l.StatusId).HasMaxLength(50);
            lead.Property(l => l.StatusDescription).HasMaxLength(2000);
            lead.Property(l => l.SourceId).HasMaxLength(50);
            lead.Property(l => l.SourceDescription).HasMaxLength(2000);
            lead.Property(l => l.CurrencyId).HasMaxLength(3);
            lead.Property(l => l.Comments).HasMaxLength(20_000);
            foreach (var utm in new[] { nameof(Lead.UtmSource), nameof(Lead.UtmMedium), nameof(Lead.UtmCampaign), nameof(Lead.UtmContent), nameof(Lead.UtmTerm) })
            {
                lead.Property(utm).HasMaxLength(255);
            }

            lead.Property(l => l.Phones).StoredAsJson();
            lead.Property(l => l.Emails).StoredAsJson();
            lead.Property(l => l.Webs).StoredAsJson();
            lead.Property(l => l.Ims).StoredAsJson();
            lead.Property(l => l.Address).StoredAsJson();
            lead.HasIndex(l => new { l.StatusId, l.AssignedById });
            lead.HasIndex(l => l.ContactId);
            lead.HasIndex(l => l.CompanyId);
            lead.HasIndex(l => l.DealId);
        });
}

public sealed class LeadsDesignTimeFactory() : ModuleDesignTimeFactory<LeadsDbContext>(LeadsModule.Id);
