using System.Globalization;
using Crm.Modules.Activities.Closing;
using Crm.Modules.Activities.Data;
using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Activities;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Schema;

/// <summary>
/// What the activity type adds beside what the SDK serves: <c>Activity.bindings</c> (one
/// statement per level), <c>completeActivity(id:)</c>, <c>reopenActivity(id:)</c> and <c>activityTypes</c>.
/// </summary>
public sealed class ActivitySchema : ISchemaContributor
{
    public const string AlreadyCompleted = "ALREADY_COMPLETED";
    public const string NotCompleted = "NOT_COMPLETED";

    public void Contribute(SchemaComposer composer)
    {
        if (!composer.HasEntityType(ActivityEntity.Name))
        {
            return;
        }

        var activityType = composer.EntityType(ActivityEntity.Name);
        var binding = composer.Types.GetOrAdd("ActivityBinding", () =>
        {
            var type = new ObjectGraphType { Name = "ActivityBinding", Description = "A record an activity concerns." };
            type.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(composer.Types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((ActivityBinding)c.Source!).EntityType) });
            type.AddField(SharedGraphTypes.Field<ActivityBinding>("id", typeof(NonNullGraphType<IdGraphType>), b => b.EntityId.ToString(CultureInfo.InvariantCulture), "The record's id."));
            if (composer.RecordField<ActivityBinding>("record", "The record, when you may read it (else null: the activity may be readable through another of its records).",
                    b => (b.EntityType, b.EntityId)) is { } record)
            {
                type.AddField(record);
            }

            return type;
        });
        activityType.AddField(new FieldType
        {
            Name = "bindings",
            Description = "The records the activity is bound to (at least one); whoever may read one of them may read the activity.",
            ResolvedType = SchemaComposer.NonNullList(binding),
            Resolver = new FuncFieldResolver<object?>(context =>
            {
                var services = context.RequestServices!;
                var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, ActivityBinding[]>("activity:bindings", async (ids, ct) =>
                {
                    var list = ids.ToList();
                    var rows = await services.GetRequiredService<ActivitiesDbContext>().Bindings.AsNoTracking()
                        .Where(b => list.Contains(b.RecordId)).OrderBy(b => b.RecordId).ThenBy(b => b.EntityType).ThenBy(b => b.EntityId).ToListAsync(ct);
                    // A binding to a record of a disabled module's type stays stored but is not shown:
                    // the schema has no CrmEntityType value for it (it is shown again once enabled).
                    var outOfService = services.GetRequiredService<IEntityRegistry>().OutOfServiceNames(services);
                    return rows.Where(b => !outOfService.Contains(b.EntityType)).GroupBy(b => b.RecordId).ToDictionary(g => g.Key, g => g.ToArray());
                });
                return new ChainedResult<ActivityBinding[]?>(loader.Load(((Activity)context.Source!).Id), rows => rows ?? []);
            }),
        });

        foreach (var recordType in composer.Registry.Types.Where(t => t.Name != ActivityEntity.Name && composer.HasEntityType(t.Name)))
        {
            composer.EntityType(recordType.Name).AddField(ActivitiesOf(recordType.Name, activityType, composer.Limits));
        }

        AddMyActivities(composer);

        var typeGraph = new ObjectGraphType { Name = "ActivityType", Description = "A kind of activity: built in (provider crm) or declared by a module." };
        typeGraph.AddField(SharedGraphTypes.Field<ActivityTypeDeclaration>("id", typeof(NonNullGraphType<StringGraphType>), t => t.TypeId));
        typeGraph.AddField(SharedGraphTypes.Field<ActivityTypeDeclaration>("providerId", typeof(NonNullGraphType<StringGraphType>), t => t.ProviderId));
        typeGraph.AddField(SharedGraphTypes.Field<ActivityTypeDeclaration>("name", typeof(NonNullGraphType<StringGraphType>), t => t.Name));
        composer.Query.AddField(new FieldType
        {
            Name = "activityTypes",
            Description = "The activity types an activity's typeId may name.",
            ResolvedType = SchemaComposer.NonNullList(typeGraph),
            Resolver = new FuncFieldResolver<object?>(c => AllTypes(c.RequestServices!)),
        });

        composer.Mutation.AddField(ClosingMutation(composer, activityType, "completeActivity", "CompleteActivityPayload", "The completed activity, or why it was not completed.",
            "Marks an activity completed now (needs what updating it needs); one already completed is refused with ALREADY_COMPLETED. Publishes activity.completed.",
            CompleteAsync));
        composer.Mutation.AddField(ClosingMutation(composer, activityType, "reopenActivity", "ReopenActivityPayload", "The reopened activity, or why it was not reopened.",
            "Opens a completed activity again, clearing completed and completedAt (needs what updating it needs); one not completed is refused with NOT_COMPLETED. Publishes activity.reopened.",
            ReopenAsync));
    }

    /// <summary><c>completeActivity(id:)</c> or <c>reopenActivity(id:)</c>: an id in, the activity or the errors out.</summary>
    private static FieldType ClosingMutation(SchemaComposer composer, IGraphType activityType, string name, string payloadName, string payloadDescription, string description,
        Func<IServiceProvider, long, CancellationToken, Task<MutationPayload>> change)
    {
        var payload = new ObjectGraphType { Name = payloadName, Description = payloadDescription };
        payload.AddField(new FieldType { Name = "activity", ResolvedType = activityType, Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Record) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Errors) });
        return new FieldType
        {
            Name = name,
            Description = description,
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var raw = c.GetArgument<object>("id");
                return RecordIds.TryParse(raw, out var id)
                    ? await change(c.RequestServices!, id, c.CancellationToken)
                    : new MutationPayload(null, [RecordIds.Invalid(raw, ActivityEntity.Name, "id")]);
            }),
        };
    }

    /// <summary>
    /// <c>activities(planned:, first:)</c> on a record type: its activities the reader may read, one
    /// statement per level whatever the page size (every parent of the level at once).
    /// </summary>
    private static FieldType ActivitiesOf(string entityType, IGraphType activityType, Crm.PluginSdk.Querying.QueryLimits limits) => new()
    {
        Name = "activities",
        Description = $"The activities bound to this record that you may read, by deadline (none last); planned: true for those not completed, false for the completed ones. At most {limits.MaxPageSize.ToString(CultureInfo.InvariantCulture)} (Limits:MaxPageSize).",
        ResolvedType = SchemaComposer.NonNullList(activityType),
        Arguments = new QueryArguments(
            new QueryArgument<BooleanGraphType> { Name = "planned" },
            new QueryArgument<IntGraphType> { Name = "first", DefaultValue = DefaultPerRecord }),
        Resolver = new FuncFieldResolver<object?>(context =>
        {
            var first = limits.PageSize(context.GetArgument<int?>("first"), whenMissing: DefaultPerRecord);
            var planned = context.GetArgument<bool?>("planned");
            var services = context.RequestServices!;
            var definition = (ActivityEntity)services.GetRequiredService<IEntityRegistry>().Find(ActivityEntity.Name)!;
            var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, Activity[]>(
                $"activities-of:{entityType}:{planned?.ToString() ?? "any"}:{first.ToString(CultureInfo.InvariantCulture)}",
                async (ids, ct) =>
                {
                    var lookup = await definition.OfRecordsAsync(services, entityType, ids, planned, first, ct);
                    return lookup.ToDictionary(g => g.Key, g => g.ToArray());
                });
            return new ChainedResult<Activity[]?>(loader.Load(((Crm.PluginSdk.Records.ICrmRecord)context.Source!).Id), rows => rows ?? []);
        }),
    };

    /// <summary>The most days <c>myActivityCounts</c> counts at once (a calendar's two months).</summary>
    public const int MaxCalendarDays = 62;

    /// <summary>
    /// <c>myActivities</c>: the caller's activities as responsible, overdue first then by deadline
    /// (none last), as a page of the ordinary list (so rights, filters and cursors are the list's);
    /// <c>myActivityCounts</c>: how many fall due on each day of a bounded range, for a calendar.
    /// </summary>
    private static void AddMyActivities(SchemaComposer composer)
    {
        var connection = composer.Query.GetField("activities")!.ResolvedType!;
        composer.Query.AddField(new FieldType
        {
            Name = "myActivities",
            Description = "Your activities as their responsible user: planned (not completed) ones by default, overdue first, then by deadline (none last), then id.",
            ResolvedType = connection,
            Arguments = new QueryArguments(
                new QueryArgument<BooleanGraphType> { Name = "planned", DefaultValue = true, Description = "true: not completed; false: completed; null: all." },
                new QueryArgument<IntGraphType> { Name = "first" },
                new QueryArgument<StringGraphType> { Name = "after" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                var services = context.RequestServices!;
                var me = services.GetService<ICurrentActor>()?.UserId ?? 0;
                var where = new Dictionary<string, object?> { ["responsibleId"] = new Dictionary<string, object?> { ["eq"] = me.ToString(CultureInfo.InvariantCulture) } };
                if (context.GetArgument<bool?>("planned") is { } planned)
                {
                    where["completed"] = new Dictionary<string, object?> { ["eq"] = !planned };
                }

                var order = new List<IReadOnlyDictionary<string, object?>> { new Dictionary<string, object?> { ["deadline"] = Crm.PluginSdk.Querying.SortDirection.Ascending } };
                var definition = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Find(ActivityEntity.Name)!;
                var withTotal = context.SubFields?.Values.Any(f => f.FieldType.Name == "totalCount") == true;
                return await definition.ListAsync(services, new ListArguments(where, order, context.GetArgument<int?>("first"), context.GetArgument<string?>("after"), null, null), withTotal, context.CancellationToken);
            }),
        });

        var dayCount = new ObjectGraphType { Name = "ActivityDayCount", Description = "How many of your activities fall due on a day (UTC)." };
        dayCount.AddField(SharedGraphTypes.Field<(DateOnly Day, int Count)>("day", typeof(NonNullGraphType<DateOnlyGraphType>), d => d.Day));
        dayCount.AddField(SharedGraphTypes.Field<(DateOnly Day, int Count)>("count", typeof(NonNullGraphType<IntGraphType>), d => d.Count));
        composer.Query.AddField(new FieldType
        {
            Name = "myActivityCounts",
            Description = $"For a calendar: how many of your activities (as responsible) fall due on each day from 'from' to 'to' (UTC days, both included, at most {MaxCalendarDays} days); days with none are left out.",
            ResolvedType = SchemaComposer.NonNullList(dayCount),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<DateOnlyGraphType>> { Name = "from" },
                new QueryArgument<NonNullGraphType<DateOnlyGraphType>> { Name = "to" },
                new QueryArgument<BooleanGraphType> { Name = "planned", DefaultValue = true, Description = "true: not completed; false: completed; null: all." }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                var from = context.GetArgument<DateOnly>("from");
                var to = context.GetArgument<DateOnly>("to");
                if (to < from)
                {
                    throw ErrorCodes.Error(ErrorCodes.Validation, "'to' cannot be before 'from'.");
                }

                if (to.DayNumber - from.DayNumber + 1 > MaxCalendarDays)
                {
                    throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"The range has {(to.DayNumber - from.DayNumber + 1).ToString(CultureInfo.InvariantCulture)} days; at most {MaxCalendarDays.ToString(CultureInfo.InvariantCulture)}.");
                }

                var services = context.RequestServices!;
                var definition = (ActivityEntity)services.GetRequiredService<IEntityRegistry>().Find(ActivityEntity.Name)!;
                var counts = await definition.CountPerDayAsync(services, from, to, context.GetArgument<bool?>("planned"), context.CancellationToken);
                return counts.Select(c => (c.Day, c.Count)).ToList();
            }),
        });
    }

    /// <summary>A record's activities shown when <c>first</c> is not given.</summary>
    public const int DefaultPerRecord = 20;

    public static IReadOnlyList<ActivityTypeDeclaration> AllTypes(IServiceProvider services) =>
    [
        .. ActivityValues.BuiltInTypes.Select(t => new ActivityTypeDeclaration(ActivityValues.PlatformProvider, t, char.ToUpperInvariant(t[0]) + t[1..].ToLowerInvariant())),
        .. services.GetServices<IActivityTypeDeclarations>().SelectMany(d => d.ActivityTypes).OrderBy(t => t.TypeId, StringComparer.Ordinal),
    ];

    private static async Task<MutationPayload> CompleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var (activity, result) = await services.GetRequiredService<ActivityClosing>().CompleteAsync(services, id, cancellationToken);
        return result.Outcome == RecordClosingOutcome.Unchanged
            ? new MutationPayload(null, [UserError.At(AlreadyCompleted, "The activity is completed already.", "id")])
            : new MutationPayload(activity, result.Errors);
    }

    private static async Task<MutationPayload> ReopenAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var (activity, result) = await services.GetRequiredService<ActivityClosing>().ReopenAsync(services, id, cancellationToken);
        return result.Outcome == RecordClosingOutcome.Unchanged
            ? new MutationPayload(null, [UserError.At(NotCompleted, "The activity is not completed.", "id")])
            : new MutationPayload(activity, result.Errors);
    }
}
