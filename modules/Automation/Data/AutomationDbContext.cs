using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Data;

public sealed class AutomationDbContext(DbContextOptions<AutomationDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => AutomationModule.Id;

    public DbSet<AutomationRule> Rules => Set<AutomationRule>();

    public DbSet<AutomationRuleVersion> RuleVersions => Set<AutomationRuleVersion>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AutomationRule>(rule =>
        {
            rule.ToTable("rules");
            rule.HasKey(r => r.Id);
            rule.Property(r => r.EntityType).HasMaxLength(64);
            // The active rules of a record type: what the engine reads for each event.
            rule.HasIndex(r => new { r.EntityType, r.ActiveVersion });
            rule.HasMany(r => r.Versions).WithOne().HasForeignKey(v => v.RuleId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AutomationRuleVersion>(version =>
        {
            version.ToTable("rule_versions");
            version.HasKey(v => v.Id);
            version.Property(v => v.State).HasConversion<string>().HasMaxLength(16);
            version.Property(v => v.Name).HasMaxLength(RuleLimits.MaxNameLength);
            version.Property(v => v.Description).HasMaxLength(RuleLimits.MaxDescriptionLength);
            version.HasIndex(v => new { v.RuleId, v.Version }).IsUnique();
            // At most one draft and one active version per rule, whatever the code above it does.
            version.HasIndex(v => v.RuleId, "ux_rule_versions_draft").IsUnique().HasFilter("state = 'Draft'");
            version.HasIndex(v => v.RuleId, "ux_rule_versions_active").IsUnique().HasFilter("state = 'Active'");
        });
    }
}

public sealed class AutomationDesignTimeFactory() : ModuleDesignTimeFactory<AutomationDbContext>(AutomationModule.Id);
