using Crm.Modules.Automation.Processes;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Runs;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Data;

public sealed class AutomationDbContext(DbContextOptions<AutomationDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => AutomationModule.Id;

    public DbSet<AutomationRule> Rules => Set<AutomationRule>();

    public DbSet<AutomationRuleVersion> RuleVersions => Set<AutomationRuleVersion>();

    public DbSet<AutomationRun> Runs => Set<AutomationRun>();

    public DbSet<Webhooks.WebhookSecret> WebhookSecrets => Set<Webhooks.WebhookSecret>();

    public DbSet<BusinessProcess> Processes => Set<BusinessProcess>();

    public DbSet<BusinessProcessVersion> ProcessVersions => Set<BusinessProcessVersion>();

    public DbSet<ProcessInstance> ProcessInstances => Set<ProcessInstance>();

    public DbSet<ProcessStepRun> ProcessStepRuns => Set<ProcessStepRun>();

    public DbSet<ProcessApproval> ProcessApprovals => Set<ProcessApproval>();

    public DbSet<ProcessApprovalAssignee> ProcessApprovalAssignees => Set<ProcessApprovalAssignee>();

    public DbSet<Waits.AutomationWait> Waits => Set<Waits.AutomationWait>();

    public DbSet<Schedules.ScheduleSweep> Sweeps => Set<Schedules.ScheduleSweep>();

    public DbSet<Assignment.RoundRobinTurn> RoundRobinTurns => Set<Assignment.RoundRobinTurn>();

    public DbSet<Webhooks.WebhookCallWindow> WebhookCallWindows => Set<Webhooks.WebhookCallWindow>();

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
            // Not "references": a reserved word in SQL.
            version.Property(v => v.References).HasColumnName("directory_references");
            version.HasIndex(v => new { v.RuleId, v.Version }).IsUnique();
            // At most one draft and one active version per rule, whatever the code above it does.
            version.HasIndex(v => v.RuleId, "ux_rule_versions_draft").IsUnique().HasFilter("state = 'Draft'");
            version.HasIndex(v => v.RuleId, "ux_rule_versions_active").IsUnique().HasFilter("state = 'Active'");
        });

        modelBuilder.Entity<AutomationRun>(run =>
        {
            run.ToTable("runs");
            run.HasKey(r => r.Id);
            run.Property(r => r.EntityType).HasMaxLength(64);
            run.Property(r => r.EventType).HasMaxLength(100);
            run.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            run.Property(r => r.Error).HasMaxLength(2_000);
            // A redelivered event runs no rule twice on a record.
            run.HasIndex(r => new { r.RuleId, r.EventId, r.EntityId }).IsUnique();
            // A record's runs, newest first; a rule's runs, newest first.
            run.HasIndex(r => new { r.EntityType, r.EntityId, r.Id });
            run.HasIndex(r => new { r.RuleId, r.Id });
            // A run by its public id (retryRun, a page's cursor).
            run.HasIndex(r => r.RunId).IsUnique();
            // The pending and running runs whose heartbeat is stale: what the recovery sweep looks for.
            run.HasIndex(r => new { r.Status, r.Heartbeat });
            run.HasOne<AutomationRule>().WithMany().HasForeignKey(r => r.RuleId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Webhooks.WebhookSecret>(secret =>
        {
            secret.ToTable("webhook_secrets");
            secret.HasKey(s => s.RuleId);
            secret.Property(s => s.RuleId).ValueGeneratedNever();
            secret.Property(s => s.SecretHash).HasMaxLength(32);
            secret.HasOne<AutomationRule>().WithMany().HasForeignKey(s => s.RuleId).OnDelete(DeleteBehavior.Cascade);
        });
        ProcessModel.Configure(modelBuilder);

        modelBuilder.Entity<Waits.AutomationWait>(wait =>
        {
            wait.ToTable("waits");
            wait.HasKey(w => w.Id);
            wait.Property(w => w.State).HasConversion<string>().HasMaxLength(16);
            wait.Property(w => w.StageId).HasMaxLength(100);
            // What a start re-schedules (the waiting ones); a run's waits.
            wait.HasIndex(w => new { w.State, w.DueAt });
            wait.HasIndex(w => w.RunId);
            wait.HasOne<AutomationRun>().WithMany().HasForeignKey(w => w.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Schedules.ScheduleSweep>(sweep =>
        {
            sweep.ToTable("schedule_sweeps");
            sweep.HasKey(s => s.RuleId);
            sweep.HasOne<AutomationRule>().WithMany().HasForeignKey(s => s.RuleId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Assignment.RoundRobinTurn>(turn =>
        {
            turn.ToTable("round_robin_turns");
            turn.HasKey(t => t.Queue);
            turn.Property(t => t.Queue).HasMaxLength(Assignment.RoundRobinTurns.MaxQueueLength);
        });

        modelBuilder.Entity<Webhooks.WebhookCallWindow>(window =>
        {
            window.ToTable("webhook_calls");
            // A row per target and slice of the sliding window (WebhookCallWindows).
            window.HasKey(w => new { w.Target, w.WindowStart });
            window.Property(w => w.Target).HasMaxLength(Webhooks.WebhookCallWindows.MaxTargetLength);
            // The old windows the recovery sweep deletes.
            window.HasIndex(w => w.WindowStart);
        });
    }
}

public sealed class AutomationDesignTimeFactory() : ModuleDesignTimeFactory<AutomationDbContext>(AutomationModule.Id);
