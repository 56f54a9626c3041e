namespace Crm.PluginSdk.Scheduling;

/// <summary>
/// One piece of scheduled work as its handler receives it: the handler's full name
/// (<c>moduleId/name</c>), the key the module scheduled it under, when it was due, the payload the
/// module gave (JSON, at most <see cref="IWorkScheduler.MaxPayloadLength"/> characters), and how
/// many times it has been started (1 the first time; more after a host died while running it).
/// </summary>
public sealed record ScheduledWork(string Handler, string Key, DateTimeOffset DueAt, string Payload, int Attempt);

/// <summary>
/// Does the work a module scheduled through <see cref="IWorkScheduler"/> when it falls due. The
/// host finds handlers in a module by convention (as event handlers) and names them
/// <c>moduleId/name</c>, the name from <see cref="ScheduledWorkHandlerAttribute"/>. Each call runs in
/// a scope of its own, as the system. Across the hosts of a deployment one host runs a piece of
/// work at a time, once; but a host that dies while running it makes another run it again
/// (<see cref="ScheduledWork.Attempt"/> above 1), so a handler keeps its own state (a row it marks
/// done in the same transaction as its effects) and does nothing twice.
/// </summary>
public interface IScheduledWorkHandler
{
    Task HandleAsync(ScheduledWork work, CancellationToken cancellationToken);
}

/// <summary>
/// The handler's stable name (without the module id, which the host prefixes), under which its
/// scheduled work is stored: renaming the class must not orphan it. Letters, digits and
/// <c>. _ - :</c>, at most 100 characters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ScheduledWorkHandlerAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// Durable scheduling, one mechanism for every module: work stored in the database that outlives
/// restarts and fires once across the hosts of a deployment. Keys are the module's own (a wait's
/// id, a rule's id); scheduling again under the same handler and key replaces what was there.
/// Scheduling is not part of the caller's database transaction: a module that must not lose work
/// keeps its own row of it first and schedules after its commit (re-scheduling is idempotent).
/// </summary>
public interface IWorkScheduler
{
    /// <summary>The longest payload, in characters.</summary>
    const int MaxPayloadLength = 4_000;

    /// <summary>The longest key, in characters.</summary>
    const int MaxKeyLength = 200;

    /// <summary>Runs <paramref name="handler"/> (<c>moduleId/name</c>) once at <paramref name="dueAt"/> (at once when it is past).</summary>
    Task ScheduleAsync(string handler, string key, DateTimeOffset dueAt, string payload, CancellationToken cancellationToken);

    /// <summary>Why the scheduler would refuse <paramref name="cronExpression"/> (Quartz's syntax, with seconds); null when it takes it. Touches no database, so a module can check inside its own transaction.</summary>
    string? CronProblem(string cronExpression);

    /// <summary>Runs <paramref name="handler"/> on a Quartz CRON expression (UTC) until cancelled.</summary>
    Task ScheduleRecurringAsync(string handler, string key, string cronExpression, string payload, CancellationToken cancellationToken);

    /// <summary>Removes the work under <paramref name="key"/>; false when there was none.</summary>
    Task<bool> CancelAsync(string handler, string key, CancellationToken cancellationToken);
}
