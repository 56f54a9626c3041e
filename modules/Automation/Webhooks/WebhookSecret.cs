namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// A rule's incoming webhook secret, kept as its SHA-256 only: the secret itself is shown once, when
/// it is made (<c>rotateAutomationWebhookSecret</c>). One per rule; a new one replaces the old at once.
/// </summary>
public sealed class WebhookSecret
{
    public long RuleId { get; set; }

    /// <summary>SHA-256 of the secret's UTF-8 text (the secret is 256 random bits, so a fast hash is enough: there is nothing to guess).</summary>
    public byte[] SecretHash { get; set; } = [];

    public DateTime CreatedAt { get; set; }

    public long? CreatedById { get; set; }
}
