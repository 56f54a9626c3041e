using System.Globalization;
using Microsoft.Extensions.Options;

namespace Crm.Host.Events;

/// <summary>The <c>Events</c> section: how domain events are delivered, retried and parked.</summary>
public sealed class OutboxOptions
{
    public const int MaxBatchSize = 1000;
    public const int MaxMaxAttempts = 100;

    /// <summary>The longest <see cref="WakeUpInterval"/>: a wake-up's delivery is never put off longer.</summary>
    public static readonly TimeSpan MaxWakeUpInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often waiting events and due retries are looked for, whatever woke the dispatcher in between.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether a write that publishes events wakes the dispatcher at once (a commit in this host,
    /// or PostgreSQL's notification of another writer's), rather than leaving them to the next poll.
    /// </summary>
    public bool WakeUp { get; set; } = true;

    /// <summary>
    /// The shortest time between the starts of two rounds that writes woke. Under a stream of writes each
    /// round then takes what that time gathered (fewer, larger batches: a round's statements are shared by
    /// its events), and an event waits at most this much longer; the first write after a quiet spell is
    /// delivered at once. Zero starts a round at every wake-up.
    /// </summary>
    public TimeSpan WakeUpInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Events one host takes from one outbox at a time (and due retries per round).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Attempts of one delivery (an event to one handler) before it is parked for an administrator.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The wait after a delivery's first failure; it doubles with each further failure.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts of a delivery.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one handler may take over one event before the attempt counts as failed.</summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a batch's claim on its events holds (PostgreSQL): the events of a host that stopped
    /// mid-batch are taken by another host after it. Longer than any batch can take.
    /// </summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The wait before attempt <paramref name="failures"/> + 1: <see cref="RetryDelay"/> doubled per earlier failure, at most <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan BackOff(int failures)
    {
        var delay = RetryDelay;
        for (var i = 1; i < failures && delay < MaxRetryDelay; i++)
        {
            delay += delay;
        }

        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }
}

/// <summary>Refuses, at start, settings that cannot work, each naming its key.</summary>
public sealed class OutboxOptionsValidation : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var problems = new List<string>();
        if (options.PollInterval <= TimeSpan.Zero)
        {
            problems.Add("Events:PollInterval must be positive.");
        }

        if (options.WakeUpInterval < TimeSpan.Zero || options.WakeUpInterval > OutboxOptions.MaxWakeUpInterval)
        {
            problems.Add("Events:WakeUpInterval must be 0 to 00:00:01.");
        }

        if (options.BatchSize is < 1 or > OutboxOptions.MaxBatchSize)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Events:BatchSize must be 1 to {OutboxOptions.MaxBatchSize}."));
        }

        if (options.MaxAttempts is < 1 or > OutboxOptions.MaxMaxAttempts)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Events:MaxAttempts must be 1 to {OutboxOptions.MaxMaxAttempts}."));
        }

        if (options.RetryDelay <= TimeSpan.Zero)
        {
            problems.Add("Events:RetryDelay must be positive.");
        }

        if (options.MaxRetryDelay < options.RetryDelay)
        {
            problems.Add("Events:MaxRetryDelay cannot be shorter than Events:RetryDelay.");
        }

        if (options.HandlerTimeout <= TimeSpan.Zero)
        {
            problems.Add("Events:HandlerTimeout must be positive.");
        }

        // A batch stops taking events after one handler timeout, and its last event may take one more per handler.
        if (options.ClaimTimeout < options.HandlerTimeout * 4)
        {
            problems.Add("Events:ClaimTimeout must be at least four times Events:HandlerTimeout.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
