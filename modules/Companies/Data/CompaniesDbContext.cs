using Crm.Modules.Companies.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Companies.Data;

public sealed class CompaniesDbContext(DbContextOptions<CompaniesDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => CompaniesModule.Id;

    public DbSet<Company> Companies => Set<Company>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Company>(company =>
        {
            company.ToTable("companies");
            company.HasKey(c => c.Id);
            company.Property(c => c.Title).HasMaxLength(255);
            company.Property(c => c.CompanyType).HasMaxLength(50);
            company.Property(c => c.Industry).HasMaxLength(50);
            company.Property(c => c.Employees).HasMaxLength(50);
            company.Property(c => c.CurrencyId).HasMaxLength(3);
            company.Property(c => c.Comments).HasMaxLength(20_000);
            company.Property(c => c.Phones).StoredAsJson();
            company.Property(c => c.Emails).StoredAsJson();
            company.Property(c => c.Webs).StoredAsJson();
            company.Property(c => c.Address).StoredAsJson();
            company.HasIndex(c => c.Title);
            company.HasIndex(c => c.AssignedById);
        });
}

/// <summary>For dotnet-ef; see <see cref="ModuleDesignTimeFactory{TContext}"/>.</summary>
public sealed class CompaniesDesignTimeFactory() : ModuleDesignTimeFactory<CompaniesDbContext>(CompaniesModule.Id);
