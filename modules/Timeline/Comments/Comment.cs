using Crm.PluginSdk.Records;

namespace Crm.Modules.Timeline.Comments;

/// <summary>
/// A user's comment on a record of any registered type, shown on the record's timeline through
/// the <c>comment</c> entry written with it. Edited in place: the entry shows the comment as it is now.
/// </summary>
public sealed class Comment : ICrmRecord
{
    public long Id { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    public long AuthorId { get; set; }

    /// <summary>Plain text with mentions as <c>@[user:5]</c>.</summary>
    public string Text { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public bool Pinned { get; set; }

    /// <summary>When it was pinned: the record's pinned comments show in that order, last pinned first.</summary>
    public DateTime? PinnedAt { get; set; }

    /// <summary>The event id of its timeline entry (fresh per comment), by which deleting the comment finds the entry.</summary>
    public Guid EventId { get; set; }

    public List<CommentMention> Mentions { get; set; } = [];
}

/// <summary>
/// A user mentioned by a comment: keyed (user, comment), so that a user's mentions, newest first,
/// are one index range. The record is copied here so that rights can be checked without the comment.
/// </summary>
public sealed class CommentMention
{
    public long UserId { get; set; }

    public long CommentId { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }
}

/// <summary>The bounds of comments (README, Limits).</summary>
public static class CommentLimits
{
    /// <summary>Characters of a comment's text.</summary>
    public const int MaxTextLength = 10_000;

    /// <summary>Distinct users one comment mentions.</summary>
    public const int MaxMentions = 20;

    /// <summary>Pinned comments per record.</summary>
    public const int MaxPinnedPerRecord = 5;
}
