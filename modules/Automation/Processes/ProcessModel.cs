using Crm.Modules.Automation.Rules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Processes;

/// <summary>The processes' tables in the module's model (kept apart from the rules' for the size of the context).</summary>
internal static class ProcessModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BusinessProcess>(process =>
        {
            process.ToTable("processes");
            process.HasKey(p => p.Id);
            process.Property(p => p.EntityType).HasMaxLength(64);
            process.Property(p => p.TemplateKey).HasMaxLength(64);
            process.HasIndex(p => new { p.EntityType, p.ActiveVersion });
            // A template is installed once, whatever hosts start at once.
            process.HasIndex(p => p.TemplateKey).IsUnique();
            process.HasMany(p => p.Versions).WithOne().HasForeignKey(v => v.ProcessId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<BusinessProcessVersion>(version =>
        {
            version.ToTable("process_versions");
            version.HasKey(v => v.Id);
            version.Property(v => v.State).HasConversion<string>().HasMaxLength(16);
            version.Property(v => v.Name).HasMaxLength(ProcessLimits.MaxNameLength);
            version.Property(v => v.Description).HasMaxLength(ProcessLimits.MaxDescriptionLength);
            // Not "references": a reserved word in SQL.
            version.Property(v => v.References).HasColumnName("directory_references");
            version.HasIndex(v => new { v.ProcessId, v.Version }).IsUnique();
            version.HasIndex(v => v.ProcessId, "ux_process_versions_draft").IsUnique().HasFilter("state = 'Draft'");
            version.HasIndex(v => v.ProcessId, "ux_process_versions_active").IsUnique().HasFilter("state = 'Active'");
        });

        modelBuilder.Entity<ProcessInstance>(instance =>
        {
            instance.ToTable("process_instances");
            instance.HasKey(i => i.Id);
            instance.Property(i => i.EntityType).HasMaxLength(64);
            instance.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
            instance.Property(i => i.ActiveKey).HasMaxLength(64);
            instance.Property(i => i.StartedVia).HasMaxLength(32);
            instance.Property(i => i.Error).HasMaxLength(2_000);
            instance.Property(i => i.Revision).IsConcurrencyToken();
            // One active instance per process and record (when the process allows no more): the database decides a race.
            instance.HasIndex(i => i.ActiveKey).IsUnique();
            // A redelivered event starts no process twice on a record.
            instance.HasIndex(i => new { i.ProcessId, i.StartEventId, i.EntityId }).IsUnique();
            instance.HasIndex(i => new { i.EntityType, i.EntityId, i.Id });
            instance.HasIndex(i => new { i.ProcessId, i.Id });
            instance.HasIndex(i => i.ParentInstanceId);
            // The running instances whose holder's heartbeat is stale: what the recovery sweep looks for.
            instance.HasIndex(i => new { i.Status, i.Heartbeat });
            instance.HasOne<BusinessProcess>().WithMany().HasForeignKey(i => i.ProcessId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ProcessStepRun>(step =>
        {
            step.ToTable("process_step_runs");
            step.HasKey(s => s.Id);
            step.Property(s => s.StepId).HasMaxLength(ProcessLimits.MaxIdLength);
            step.Property(s => s.Kind).HasMaxLength(32);
            step.Property(s => s.Status).HasMaxLength(16);
            step.Property(s => s.Outcome).HasMaxLength(ProcessLimits.MaxIdLength);
            step.Property(s => s.Error).HasMaxLength(2_000);
            step.HasIndex(s => new { s.InstanceId, s.Id });
            step.HasOne<ProcessInstance>().WithMany().HasForeignKey(s => s.InstanceId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ProcessApproval>(approval =>
        {
            approval.ToTable("process_approvals");
            approval.HasKey(a => a.Id);
            approval.Property(a => a.StepId).HasMaxLength(ProcessLimits.MaxIdLength);
            approval.Property(a => a.Title).HasMaxLength(ProcessLimits.MaxNameLength);
            approval.Property(a => a.EntityType).HasMaxLength(64);
            approval.Property(a => a.Mode).HasConversion<string>().HasMaxLength(16);
            approval.Property(a => a.Status).HasConversion<string>().HasMaxLength(24);
            approval.HasIndex(a => new { a.InstanceId, a.Id });
            approval.HasMany(a => a.Assignees).WithOne().HasForeignKey(a => a.ApprovalId).OnDelete(DeleteBehavior.Cascade);
            approval.HasOne<ProcessInstance>().WithMany().HasForeignKey(a => a.InstanceId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ProcessApprovalAssignee>(assignee =>
        {
            assignee.ToTable("process_approval_assignees");
            assignee.HasKey(a => new { a.ApprovalId, a.UserId });
            assignee.Property(a => a.Decision).HasConversion<string>().HasMaxLength(24);
            assignee.Property(a => a.Comment).HasMaxLength(ProcessLimits.MaxCommentLength);
            // A user's open approvals (myApprovals).
            assignee.HasIndex(a => new { a.UserId, a.Decision });
        });
    }
}
