using Crm.Modules.Contacts.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Contacts.Data;

public sealed class ContactsDbContext(DbContextOptions<ContactsDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => ContactsModule.Id;

    public DbSet<Contact> Contacts => Set<Contact>();

    public DbSet<ContactCompanyLink> CompanyLinks => Set<ContactCompanyLink>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Contact>(contact =>
        {
            contact.ToTable("contacts");
            contact.HasKey(c => c.Id);
            contact.Property(c => c.Honorific).HasMaxLength(50);
            contact.Property(c => c.TypeId).HasMaxLength(50);
            contact.Property(c => c.SourceId).HasMaxLength(50);
            contact.Property(c => c.SourceDescription).HasMaxLength(2000);
            contact.Property(c => c.Name).HasMaxLength(50);
            contact.Property(c => c.SecondName).HasMaxLength(50);
            contact.Property(c => c.LastName).HasMaxLength(50);
            contact.Property(c => c.Post).HasMaxLength(255);
            contact.Property(c => c.Comments).HasMaxLength(20_000);
            contact.Property(c => c.Phones).StoredAsJson();
            contact.Property(c => c.Emails).StoredAsJson();
            contact.HasIndex(c => c.LastName);
            contact.HasIndex(c => c.AssignedById);
            contact.HasMany(c => c.CompanyLinks).WithOne().HasForeignKey(l => l.ContactId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ContactCompanyLink>(link =>
        {
            link.ToTable("contact_companies");
            link.HasKey(l => new { l.ContactId, l.CompanyId });
            link.HasIndex(l => l.CompanyId);
        });
    }
}

/// <summary>For dotnet-ef; see <see cref="ModuleDesignTimeFactory{TContext}"/>.</summary>
public sealed class ContactsDesignTimeFactory() : ModuleDesignTimeFactory<ContactsDbContext>(ContactsModule.Id);
