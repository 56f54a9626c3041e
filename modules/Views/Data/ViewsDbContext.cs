using Crm.Modules.Views.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Views.Data;

public sealed class ViewsDbContext(DbContextOptions<ViewsDbContext> options) : ModuleDbContext(options)
{
    public override string Schema => ViewsModule.Id;

    public DbSet<SavedView> Views => Set<SavedView>();

    public DbSet<ViewUser> ViewUsers => Set<ViewUser>();

    public DbSet<ViewDefault> Defaults => Set<ViewDefault>();

    public DbSet<ViewQuota> Quotas => Set<ViewQuota>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<SavedView>(view =>
        {
            view.ToTable("views");
            view.HasKey(v => v.Id);
            view.Property(v => v.EntityType).HasMaxLength(100);
            view.Property(v => v.Name).HasMaxLength(ViewLimits.NameColumnLength);
            view.Property(v => v.Kind).HasConversion<string>().HasMaxLength(16);
            view.Property(v => v.Sharing).HasConversion<string>().HasMaxLength(16);
            view.HasIndex(v => new { v.EntityType, v.OwnerId });
            view.HasIndex(v => new { v.EntityType, v.Sharing });
            view.HasMany(v => v.Users).WithOne().HasForeignKey(u => u.ViewId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ViewUser>(user =>
        {
            user.ToTable("view_users");
            user.HasKey(u => new { u.ViewId, u.UserId });
            user.HasIndex(u => u.UserId);
        });
        modelBuilder.Entity<ViewDefault>(preference =>
        {
            preference.ToTable("defaults");
            preference.HasKey(d => new { d.UserId, d.EntityType });
            preference.Property(d => d.EntityType).HasMaxLength(100);
            preference.HasOne<SavedView>().WithMany().HasForeignKey(d => d.ViewId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ViewQuota>(quota =>
        {
            quota.ToTable("quotas");
            quota.HasKey(q => new { q.OwnerId, q.EntityType });
            quota.Property(q => q.EntityType).HasMaxLength(100);
        });
    }
}

public sealed class ViewsDesignTimeFactory() : ModuleDesignTimeFactory<ViewsDbContext>(ViewsModule.Id);
