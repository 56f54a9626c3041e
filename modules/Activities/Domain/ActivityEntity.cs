using Crm.Modules.Activities.Communications;
using Crm.Modules.Activities.Data;
using Crm.PluginSdk.Activities;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Domain;

/// <summary>
/// The activity type: an ordinary record type of the SDK (lists, filters, order, search, custom
/// fields, events), whose rights follow the records it is bound to (see <see cref="EntityBuilder{TRecord}.BoundTo{TBinding}"/>).
/// </summary>
public sealed class ActivityEntity() : CrmEntityDefinition<Activity, ActivitiesDbContext>(Name)
{
    public new const string Name = "activity";

    protected override void Configure(EntityBuilder<Activity> entity)
    {
        entity.Describe("A call, e-mail, meeting, to-do or a provider's own kind of activity, bound to the records it concerns.");
        entity.Label("en", "Activity", "Activities").Label("pl", "Aktywność", "Aktywności");
        entity.Plural("activities");
        entity.Title(a => a.Subject);
        entity.BoundTo(a => a.Bindings, a => a.ResponsibleId, "bindings", ActivityLimits.MaxBindings);
        entity.Field(a => a.TypeId).Required().Describe("CALL, EMAIL, MEETING, TODO or a type a module declared (activityTypes).").Label("en", "Type").Label("pl", "Typ").ShowInList();
        entity.Field(a => a.ProviderId).ReadOnly().Describe("Who declared the type: crm for the built-in ones, else the module's id.").Label("en", "Provider").Label("pl", "Dostawca");
        entity.Field(a => a.Subject).Required().Label("pl", "Temat").ShowInList();
        entity.Field(a => a.Description).NotSortable().Describe("Plain text, or HTML (sanitised: no scripts, event handlers or frames) when descriptionType is HTML.").Label("pl", "Opis");
        entity.Field(a => a.DescriptionType).Describe("PLAIN (the default) or HTML.").Label("en", "Description format").Label("pl", "Format opisu");
        entity.Field(a => a.Direction).Describe("INCOMING, OUTGOING or NONE (the default).").Label("pl", "Kierunek");
        entity.Field(a => a.StartTime).Label("en", "Start").Label("pl", "Rozpoczęcie");
        entity.Field(a => a.EndTime).Describe("Not before startTime.").Label("en", "End").Label("pl", "Zakończenie");
        entity.Field(a => a.Deadline).Describe("When it is due; an activity not completed by then is overdue.").Label("pl", "Termin").ShowInList();
        entity.Field(a => a.Completed).ReadOnly().Describe("Set by completeActivity.").Label("pl", "Zakończona");
        entity.Field(a => a.CompletedAt).ReadOnly().Label("en", "Completed on").Label("pl", "Data zakończenia");
        entity.Field(a => a.Priority).Describe("LOW, MEDIUM (the default) or HIGH.").Label("pl", "Priorytet");
        entity.Field(a => a.ResponsibleId).ReferencesUser("responsible").Describe("Who does it; the author by default. The responsible user may read and change it whatever their rights on its records.").Label("en", "Responsible").Label("pl", "Odpowiedzialny").ShowInList();
        entity.AuditFields();
    }

    /// <summary>
    /// For each of the records <paramref name="ids"/> of type <paramref name="entityType"/>, its
    /// first <paramref name="first"/> activities the actor may read (planned or completed ones only
    /// when <paramref name="planned"/> says), by deadline (none last), then id: in one statement,
    /// numbered per record after the rights and the filter.
    /// </summary>
    internal async Task<ILookup<long, Activity>> OfRecordsAsync(IServiceProvider services, string entityType, IReadOnlyCollection<long> ids, bool? planned, int first, CancellationToken cancellationToken)
    {
        var wanted = ids.ToList();
        var readable = ReachableQuery(services, Crm.PluginSdk.Security.PermissionAction.Read);
        if (planned is { } open)
        {
            readable = readable.Where(a => a.Completed != open);
        }

        var groups = await services.GetRequiredService<ActivitiesDbContext>().Bindings.AsNoTracking()
            .Where(b => b.EntityType == entityType && wanted.Contains(b.EntityId))
            .Join(readable, b => b.RecordId, a => a.Id, (b, a) => new { b.EntityId, Activity = a })
            .GroupBy(x => x.EntityId)
            .Select(g => new
            {
                g.Key,
                Activities = g.OrderBy(x => x.Activity.Deadline == null).ThenBy(x => x.Activity.Deadline).ThenBy(x => x.Activity.Id).Take(first).Select(x => x.Activity).ToList(),
            })
            .ToListAsync(cancellationToken);
        return groups.SelectMany(g => g.Activities.Select(a => (g.Key, a))).ToLookup(p => p.Key, p => p.a);
    }

    /// <summary>How many of the caller's activities (as responsible, within their rights) fall due on each UTC day of the range: one statement.</summary>
    internal async Task<IReadOnlyList<(DateOnly Day, int Count)>> CountPerDayAsync(IServiceProvider services, DateOnly from, DateOnly to, bool? planned, CancellationToken cancellationToken)
    {
        var me = services.GetService<Crm.PluginSdk.Security.ICurrentActor>()?.UserId ?? 0;
        if (me <= 0)
        {
            return [];
        }

        var start = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var end = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var mine = ReachableQuery(services, Crm.PluginSdk.Security.PermissionAction.Read)
            .Where(a => a.ResponsibleId == me && a.Deadline >= start && a.Deadline < end);
        if (planned is { } open)
        {
            mine = mine.Where(a => a.Completed != open);
        }

        var days = await mine.GroupBy(a => a.Deadline!.Value.Date).Select(g => new { g.Key, Count = g.Count() }).OrderBy(d => d.Key).ToListAsync(cancellationToken);
        return days.Select(d => (DateOnly.FromDateTime(d.Key), d.Count)).ToList();
    }

    /// <summary>
    /// The caller's planned activities (responsible, not completed, within their rights), earliest
    /// deadline first (none last), then id: at most <paramref name="max"/>, in one statement reading
    /// only what a planned item shows.
    /// </summary>
    internal async Task<IReadOnlyList<(long Id, string TypeId, string Subject, DateTime? Deadline)>> PlannedForMeAsync(IServiceProvider services, int max, CancellationToken cancellationToken)
    {
        var me = services.GetService<Crm.PluginSdk.Security.ICurrentActor>()?.UserId ?? 0;
        if (me <= 0 || max <= 0)
        {
            return [];
        }

        var rows = await ReachableQuery(services, Crm.PluginSdk.Security.PermissionAction.Read)
            .Where(a => a.ResponsibleId == me && !a.Completed)
            .OrderBy(a => a.Deadline == null).ThenBy(a => a.Deadline).ThenBy(a => a.Id)
            .Take(max)
            .Select(a => new { a.Id, a.TypeId, a.Subject, a.Deadline })
            .ToListAsync(cancellationToken);
        return rows.Select(r => (r.Id, r.TypeId, r.Subject, Utc(r.Deadline))).ToList();
    }

    protected override IQueryable<Activity> WriteQuery(ActivitiesDbContext db) => base.WriteQuery(db).Include(a => a.Bindings);

    protected override async Task ApplyInputAsync(MutationContext<Activity, ActivitiesDbContext> mutation)
    {
        var activity = mutation.Record;
        OneOf(mutation, "descriptionType", activity.DescriptionType, ActivityValues.DescriptionTypes);
        OneOf(mutation, "direction", activity.Direction, ActivityValues.Directions);
        OneOf(mutation, "priority", activity.Priority, ActivityValues.Priorities);

        if (mutation.IsCreate || mutation.Input.ContainsKey("typeId"))
        {
            var declared = mutation.Services.GetServices<IActivityTypeDeclarations>().SelectMany(d => d.ActivityTypes)
                .FirstOrDefault(t => t.TypeId == activity.TypeId);
            if (ActivityValues.BuiltInTypes.Contains(activity.TypeId))
            {
                activity.ProviderId = ActivityValues.PlatformProvider;
            }
            else if (declared is not null)
            {
                activity.ProviderId = declared.ProviderId;
            }
            else if (activity.TypeId.Length > 0)
            {
                mutation.AddError(ErrorCodes.InvalidValue, $"'{activity.TypeId}' is not an activity type (activityTypes lists them).", "typeId");
            }
        }

        if (activity.StartTime is { } start && activity.EndTime is { } end && end < start)
        {
            mutation.AddError(ErrorCodes.InvalidValue, "The end cannot be before the start.", "endTime");
        }

        PublishTimelineEvents(mutation);

        // Sanitised when given or when its kind changes, so that stored HTML is always clean.
        if (activity.DescriptionType == ActivityValues.Html && activity.Description is { } html
            && (mutation.Input.ContainsKey("description") || mutation.Input.ContainsKey("descriptionType")))
        {
            activity.Description = HtmlText.Sanitize(html);
        }

        await CommunicationInput.ApplyAsync(mutation);
    }

    /// <summary>
    /// <c>activity.created</c>, or <c>activity.rescheduled</c> when the times changed: made when the
    /// change is saved (in its transaction), so that they carry the new id and the final bindings.
    /// </summary>
    private static void PublishTimelineEvents(MutationContext<Activity, ActivitiesDbContext> mutation)
    {
        if (mutation.IsCreate)
        {
            mutation.Db.PublishWith(mutation.Record, a => new ActivityCreated(a.Id, a.TypeId, a.ProviderId, a.Subject, TimesOf(a), a.ResponsibleId, BindingKeys(a)));
            return;
        }

        var entry = mutation.Db.Entry(mutation.Record);
        var before = new ActivityTimes(
            Utc(entry.Property(a => a.StartTime).OriginalValue),
            Utc(entry.Property(a => a.EndTime).OriginalValue),
            Utc(entry.Property(a => a.Deadline).OriginalValue));
        mutation.Db.PublishWith(mutation.Record, a => TimesOf(a) is var after && after != before
            ? new ActivityRescheduled(a.Id, a.TypeId, a.ProviderId, a.Subject, before, after, a.ResponsibleId, BindingKeys(a))
            : null);
    }

    internal static ActivityTimes TimesOf(Activity activity) => new(Utc(activity.StartTime), Utc(activity.EndTime), Utc(activity.Deadline));

    internal static List<string> BindingKeys(Activity activity) =>
        activity.Bindings.Select(b => $"{b.EntityType}:{b.EntityId.ToString(System.Globalization.CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal).ToList();

    internal static DateTime? Utc(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;

    private static void OneOf(MutationContext<Activity, ActivitiesDbContext> mutation, string field, string value, string[] allowed)
    {
        if (!allowed.Contains(value))
        {
            mutation.AddError(ErrorCodes.InvalidValue, $"'{value}' is not one of {string.Join(", ", allowed)}.", field);
        }
    }
}
