using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Timeline;

namespace Crm.Modules.Activities.Timeline;

/// <summary>
/// An activity's entries on the timeline of every record it is bound to: <c>activityCreated</c>,
/// <c>activityRescheduled</c> (times before and after), <c>activityCompleted</c> and
/// <c>activityReopened</c>, made from the module's own events alone.
/// </summary>
public sealed class ActivityTimeline : ITimelineKinds
{
    public const string Created = "activityCreated";
    public const string Rescheduled = "activityRescheduled";
    public const string Completed = "activityCompleted";
    public const string Reopened = "activityReopened";

    private static readonly TimelineDataField[] Common =
    [
        new("activityId", TimelineFieldType.Id, false, "The activity."),
        new("typeId", TimelineFieldType.String, false, "Its type: CALL, EMAIL, MEETING, TODO or a provider's (activityTypes)."),
        new("providerId", TimelineFieldType.String, false, "Who declared the type: crm for the built-in ones, else the module's id."),
        new("subject", TimelineFieldType.String, true, "Its subject when the entry was written."),
        new("startTime", TimelineFieldType.DateTime, true, "When it starts (after the change, for a rescheduling)."),
        new("endTime", TimelineFieldType.DateTime, true, "When it ends (after the change, for a rescheduling)."),
        new("deadline", TimelineFieldType.DateTime, true, "When it is due (after the change, for a rescheduling)."),
        new("responsibleId", TimelineFieldType.Id, true, "Its responsible user."),
    ];

    public IEnumerable<TimelineKindDeclaration> Kinds { get; } =
    [
        new(ActivitiesModule.Id, Created, "ActivityCreatedEntry", "An activity bound to the record was created.", Common),
        new(ActivitiesModule.Id, Rescheduled, "ActivityRescheduledEntry", "An activity bound to the record was moved: its start, end or deadline changed.",
        [
            .. Common,
            new("previousStartTime", TimelineFieldType.DateTime, true, "When it started before the change."),
            new("previousEndTime", TimelineFieldType.DateTime, true, "When it ended before the change."),
            new("previousDeadline", TimelineFieldType.DateTime, true, "When it was due before the change."),
        ]),
        new(ActivitiesModule.Id, Completed, "ActivityCompletedEntry", "An activity bound to the record was completed.",
        [
            .. Common,
            new("completedAt", TimelineFieldType.DateTime, false, "When it was completed."),
        ]),
        new(ActivitiesModule.Id, Reopened, "ActivityReopenedEntry", "A completed activity bound to the record was opened again: its completion cleared.",
        [
            .. Common,
            new("previousCompletedAt", TimelineFieldType.DateTime, true, "When it had been completed."),
        ]),
    ];

    public IEnumerable<TimelineEntryDraft> Project(DomainEvent<CrmEvent> domainEvent) => domainEvent.Data switch
    {
        ActivityCreated e => OnBound(e.Bindings, Created, Data(e.ActivityId, e.TypeId, e.ProviderId, e.Subject, e.Times, e.ResponsibleId)),
        ActivityRescheduled e => OnBound(e.Bindings, Rescheduled, With(Data(e.ActivityId, e.TypeId, e.ProviderId, e.Subject, e.To, e.ResponsibleId), new JsonObject
        {
            ["previousStartTime"] = Time(e.From.StartTime),
            ["previousEndTime"] = Time(e.From.EndTime),
            ["previousDeadline"] = Time(e.From.Deadline),
        })),
        ActivityCompleted e => OnBound(e.Bindings, Completed, With(Data(e.ActivityId, e.TypeId, e.ProviderId, e.Subject, e.Times, e.ResponsibleId), new JsonObject
        {
            ["completedAt"] = Time(e.CompletedAt),
        })),
        ActivityReopened e => OnBound(e.Bindings, Reopened, With(Data(e.ActivityId, e.TypeId, e.ProviderId, e.Subject, e.Times, e.ResponsibleId), new JsonObject
        {
            ["previousCompletedAt"] = Time(e.PreviousCompletedAt),
        })),
        _ => [],
    };

    /// <summary>The same entry on each bound record (<c>type:id</c>); a key that does not read as one is skipped.</summary>
    private static IEnumerable<TimelineEntryDraft> OnBound(IReadOnlyList<string> bindings, string kind, JsonObject data)
    {
        foreach (var binding in bindings.Distinct(StringComparer.Ordinal))
        {
            var colon = binding.LastIndexOf(':');
            if (colon > 0 && long.TryParse(binding.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                yield return new TimelineEntryDraft(binding[..colon], id, kind, (JsonObject)data.DeepClone());
            }
        }
    }

    private static JsonObject Data(long activityId, string typeId, string providerId, string? subject, ActivityTimes? times, long? responsibleId) => new()
    {
        ["activityId"] = activityId,
        ["typeId"] = typeId,
        ["providerId"] = providerId,
        ["subject"] = subject,
        ["startTime"] = Time(times?.StartTime),
        ["endTime"] = Time(times?.EndTime),
        ["deadline"] = Time(times?.Deadline),
        ["responsibleId"] = responsibleId,
    };

    private static JsonObject With(JsonObject data, JsonObject more)
    {
        foreach (var (name, value) in more.ToList())
        {
            more.Remove(name);
            data[name] = value;
        }

        return data;
    }

    private static string? Time(DateTime? value) =>
        value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture) : null;
}
