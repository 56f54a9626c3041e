namespace Crm.PluginSdk.Events;

/// <summary>
/// An activity was created (published by the Activities module, in the transaction of
/// <c>createActivity</c>, beside the activity's <see cref="RecordCreated"/>). Timelines show it on
/// each record it is bound to without reading the Activities module.
/// </summary>
/// <param name="ActivityId">The activity.</param>
/// <param name="TypeId">Its type (CALL, EMAIL, MEETING, TODO or a provider's type).</param>
/// <param name="ProviderId">Who declared the type ("crm" for the built-in ones).</param>
/// <param name="Subject">Its subject.</param>
/// <param name="Times">When it starts, ends and is due.</param>
/// <param name="ResponsibleId">Its responsible user, if any.</param>
/// <param name="Bindings">The records it is bound to, as <c>type:id</c> ("deal:12").</param>
[EventContract(TypeName, 1)]
public sealed record ActivityCreated(long ActivityId, string TypeId, string ProviderId, string Subject, ActivityTimes Times, long? ResponsibleId, IReadOnlyList<string> Bindings) : CrmEvent
{
    public const string TypeName = "activity.created";

    public override EventSubject GetSubject() => new("activity", ActivityId);
}

/// <summary>
/// An activity's start, end or deadline changed (published by the Activities module, in the
/// transaction of <c>updateActivity</c>, beside the activity's <see cref="RecordUpdated"/>): the
/// times before and after, and the records it is bound to after the change.
/// </summary>
/// <param name="ActivityId">The activity.</param>
/// <param name="TypeId">Its type.</param>
/// <param name="ProviderId">Who declared the type.</param>
/// <param name="Subject">Its subject.</param>
/// <param name="From">Its times before.</param>
/// <param name="To">Its times now.</param>
/// <param name="ResponsibleId">Its responsible user, if any.</param>
/// <param name="Bindings">The records it is bound to, as <c>type:id</c>.</param>
[EventContract(TypeName, 1)]
public sealed record ActivityRescheduled(long ActivityId, string TypeId, string ProviderId, string Subject, ActivityTimes From, ActivityTimes To, long? ResponsibleId, IReadOnlyList<string> Bindings) : CrmEvent
{
    public const string TypeName = "activity.rescheduled";

    public override EventSubject GetSubject() => new("activity", ActivityId);
}

/// <summary>When an activity starts, ends and is due (UTC; each null when not set).</summary>
public sealed record ActivityTimes(DateTime? StartTime, DateTime? EndTime, DateTime? Deadline);

/// <summary>
/// An activity was completed (published by the Activities module, in the transaction of
/// <c>completeActivity</c>, beside the activity's <see cref="RecordUpdated"/>). Timelines and
/// automation react to it without reading the Activities module.
/// </summary>
/// <param name="ActivityId">The activity.</param>
/// <param name="TypeId">Its type (CALL, EMAIL, MEETING, TODO or a provider's type).</param>
/// <param name="ProviderId">Who declared the type ("crm" for the built-in ones).</param>
/// <param name="ResponsibleId">Its responsible user, if any.</param>
/// <param name="CompletedAt">When it was completed (UTC).</param>
/// <param name="Bindings">The records it is bound to, as <c>type:id</c> ("deal:12").</param>
/// <param name="Subject">Its subject (null in events written before it was told).</param>
/// <param name="Times">When it started, ended and was due (null in events written before they were told).</param>
[EventContract(TypeName, 1)]
public sealed record ActivityCompleted(long ActivityId, string TypeId, string ProviderId, long? ResponsibleId, DateTime CompletedAt, IReadOnlyList<string> Bindings,
    string? Subject = null, ActivityTimes? Times = null) : CrmEvent
{
    public const string TypeName = "activity.completed";

    public override EventSubject GetSubject() => new("activity", ActivityId);
}

/// <summary>
/// A completed activity was opened again: its completion cleared (published by the Activities
/// module, in the transaction of <c>reopenActivity</c> or a bulk OPEN, beside the activity's
/// <see cref="RecordUpdated"/>). Timelines and automation react to it without reading the
/// Activities module.
/// </summary>
/// <param name="ActivityId">The activity.</param>
/// <param name="TypeId">Its type (CALL, EMAIL, MEETING, TODO or a provider's type).</param>
/// <param name="ProviderId">Who declared the type ("crm" for the built-in ones).</param>
/// <param name="Subject">Its subject.</param>
/// <param name="Times">When it starts, ends and is due.</param>
/// <param name="ResponsibleId">Its responsible user, if any.</param>
/// <param name="Bindings">The records it is bound to, as <c>type:id</c> ("deal:12").</param>
/// <param name="PreviousCompletedAt">When it had been completed (UTC; null when that was not recorded).</param>
[EventContract(TypeName, 1)]
public sealed record ActivityReopened(long ActivityId, string TypeId, string ProviderId, string Subject, ActivityTimes Times, long? ResponsibleId, IReadOnlyList<string> Bindings,
    DateTime? PreviousCompletedAt) : CrmEvent
{
    public const string TypeName = "activity.reopened";

    public override EventSubject GetSubject() => new("activity", ActivityId);
}
