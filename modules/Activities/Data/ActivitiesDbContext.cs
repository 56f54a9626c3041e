using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Activities.Data;

public sealed class ActivitiesDbContext(DbContextOptions<ActivitiesDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => ActivitiesModule.Id;

    public DbSet<Activity> Activities => Set<Activity>();

    public DbSet<ActivityBinding> Bindings => Set<ActivityBinding>();

    public DbSet<ActivityCommunication> Communications => Set<ActivityCommunication>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Activity>(activity =>
        {
            activity.ToTable("activities");
            activity.HasKey(a => a.Id);
            activity.Property(a => a.TypeId).HasMaxLength(ActivityLimits.TypeIdLength);
            activity.Property(a => a.ProviderId).HasMaxLength(ActivityLimits.TypeIdLength);
            activity.Property(a => a.Subject).HasMaxLength(ActivityLimits.SubjectLength);
            activity.Property(a => a.Description).HasMaxLength(ActivityLimits.DescriptionLength);
            activity.Property(a => a.DescriptionType).HasMaxLength(8);
            activity.Property(a => a.Direction).HasMaxLength(16);
            activity.Property(a => a.Priority).HasMaxLength(16);
            // "My open activities, overdue first": the responsible user's planned ones by deadline.
            activity.HasIndex(a => new { a.ResponsibleId, a.Completed, a.Deadline });
            activity.HasMany(a => a.Bindings).WithOne().HasForeignKey(b => b.RecordId).OnDelete(DeleteBehavior.Cascade);
            activity.HasMany(a => a.Communications).WithOne().HasForeignKey(c => c.ActivityId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ActivityBinding>(binding =>
        {
            binding.ToTable("activity_bindings");
            binding.HasKey(b => new { b.RecordId, b.EntityType, b.EntityId });
            binding.Property(b => b.EntityType).HasMaxLength(64);
            // A record's activities, and the bindings a deleted record takes with it.
            binding.HasIndex(b => new { b.EntityType, b.EntityId });
        });

        modelBuilder.Entity<ActivityCommunication>(communication =>
        {
            communication.ToTable("activity_communications");
            communication.HasKey(c => new { c.ActivityId, c.Position });
            communication.Property(c => c.Type).HasMaxLength(16);
            communication.Property(c => c.Value).HasMaxLength(ActivityLimits.CommunicationValueLength);
            communication.Property(c => c.EntityType).HasMaxLength(64);
            // The communications a deleted record loses, and a record's own.
            communication.HasIndex(c => new { c.EntityType, c.EntityId });
            // Mail filing finds the activities of an address.
            communication.HasIndex(c => new { c.Type, c.Value });
        });
    }
}

public sealed class ActivitiesDesignTimeFactory() : ModuleDesignTimeFactory<ActivitiesDbContext>(ActivitiesModule.Id);
