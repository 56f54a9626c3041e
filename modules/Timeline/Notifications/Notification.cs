namespace Crm.Modules.Timeline.Notifications;

/// <summary>
/// A notification: a text for one user, optionally about a record, from whoever sent it (a user, or
/// an automation rule's run through its channel). Only its recipient sees it; read or not.
/// <see cref="Id"/> only grows (the live cursor of <c>notificationEvents</c>).
/// </summary>
public sealed class Notification
{
    public long Id { get; set; }

    /// <summary>Who it is for.</summary>
    public long UserId { get; set; }

    public string Text { get; set; } = "";

    /// <summary>The record it is about (with <see cref="EntityId"/>); null: none.</summary>
    public string? EntityType { get; set; }

    public long? EntityId { get; set; }

    /// <summary>Who sent it (null or 0: the platform).</summary>
    public long? ActorId { get; set; }

    /// <summary>The sender's actor kind by its GraphQL name (<c>USER</c>, <c>AUTOMATION</c>).</summary>
    public string ActorKind { get; set; } = "";

    /// <summary>The channel it came through (an automation rule's: <c>automation:rule:7:v2</c>).</summary>
    public string? Via { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When its recipient marked it read; null while unread.</summary>
    public DateTime? ReadAt { get; set; }
}

/// <summary>What a notification and the calls about them may hold.</summary>
public static class NotificationLimits
{
    /// <summary>Characters of a notification's text.</summary>
    public const int MaxTextLength = 2_000;

    /// <summary>Ids one <c>markNotificationsRead</c> takes.</summary>
    public const int MaxIdsPerMark = 200;
}
