using Crm.Modules.Timeline.Comments;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Timeline.Data;

public sealed class TimelineDbContext(DbContextOptions<TimelineDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => TimelineModule.Id;

    public DbSet<TimelineEntry> Entries => Set<TimelineEntry>();

    public DbSet<StageMove> StageMoves => Set<StageMove>();

    public DbSet<Comment> Comments => Set<Comment>();

    public DbSet<CommentMention> Mentions => Set<CommentMention>();

    public DbSet<Notifications.Notification> Notifications => Set<Notifications.Notification>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TimelineEntry>(entry =>
        {
            entry.ToTable("entries");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.EntityType).HasMaxLength(64);
            entry.Property(e => e.Kind).HasMaxLength(64);
            entry.Property(e => e.ActorKind).HasMaxLength(16);
            entry.Property(e => e.Via).HasMaxLength(64);
            // A redelivered event writes nothing: its entries are there already.
            entry.HasIndex(e => new { e.EventId, e.EntityType, e.EntityId, e.Kind }).IsUnique();
            // A record's timeline, newest first, a page at a time: one index range read backwards from the cursor.
            entry.HasIndex(e => new { e.EntityType, e.EntityId, e.Id });
            // A type's history in a window, in the order it occurred (IRecordHistory, an automation rule's backtest).
            entry.HasIndex(e => new { e.EntityType, e.OccurredAt, e.Id });
        });

        modelBuilder.Entity<Notifications.Notification>(notification =>
        {
            notification.ToTable("notifications");
            notification.HasKey(n => n.Id);
            notification.Property(n => n.Text).HasMaxLength(Crm.Modules.Timeline.Notifications.NotificationLimits.MaxTextLength);
            notification.Property(n => n.EntityType).HasMaxLength(64);
            notification.Property(n => n.ActorKind).HasMaxLength(16);
            notification.Property(n => n.Via).HasMaxLength(64);
            // A user's notifications, newest first (and their unread count): one index range.
            notification.HasIndex(n => new { n.UserId, n.Id });
        });

        modelBuilder.Entity<StageMove>(move =>
        {
            move.ToTable("stage_moves");
            move.HasKey(m => m.Id);
            move.Property(m => m.EntityType).HasMaxLength(64);
            move.Property(m => m.FromId).HasMaxLength(50);
            move.Property(m => m.ToId).HasMaxLength(50);
            move.Property(m => m.Semantics).HasMaxLength(16);
            move.HasIndex(m => m.EventId).IsUnique();
            // Time in stage of one record (its moves in order, each until the next).
            move.HasIndex(m => new { m.EntityType, m.EntityId, m.OccurredAt });
            // Funnels: how many records of a pipeline reached each stage in a period, read from the
            // index alone (type, pipeline, stage, time), whatever the number of records.
            move.HasIndex(m => new { m.EntityType, m.PipelineId, m.ToId, m.OccurredAt });
        });

        modelBuilder.Entity<Comment>(comment =>
        {
            comment.ToTable("comments");
            comment.HasKey(c => c.Id);
            comment.Property(c => c.EntityType).HasMaxLength(64);
            comment.Property(c => c.Text).HasMaxLength(CommentLimits.MaxTextLength);
            comment.HasIndex(c => c.EventId).IsUnique();
            // A record's pinned comments (one index range per record), and its comments for a pin's count.
            comment.HasIndex(c => new { c.EntityType, c.EntityId, c.Pinned });
            comment.HasMany(c => c.Mentions).WithOne().HasForeignKey(m => m.CommentId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CommentMention>(mention =>
        {
            mention.ToTable("comment_mentions");
            // A user's mentions, newest first: one index range read backwards from the cursor.
            mention.HasKey(m => new { m.UserId, m.CommentId });
            mention.Property(m => m.EntityType).HasMaxLength(64);
            mention.HasIndex(m => m.CommentId);
        });
    }
}

public sealed class TimelineDesignTimeFactory() : ModuleDesignTimeFactory<TimelineDbContext>(TimelineModule.Id);
