namespace Crm.PluginSdk.Events;

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
[EventContract(TypeName, 1)]
public sealed record ActivityCompleted(long ActivityId, string TypeId, string ProviderId, long? ResponsibleId, DateTime CompletedAt, IReadOnlyList<string> Bindings) : CrmEvent
{
    public const string TypeName = "activity.completed";

    public override EventSubject GetSubject() => new("activity", ActivityId);
}
