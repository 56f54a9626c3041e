using System.Globalization;
using Crm.Modules.Activities.Data;
using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Activities;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Schema;

/// <summary>
/// What the activity type adds beside what the SDK serves: <c>Activity.bindings</c> (one
/// statement per level), <c>completeActivity(id:)</c> and <c>activityTypes</c>.
/// </summary>
public sealed class ActivitySchema : ISchemaContributor
{
    public const string AlreadyCompleted = "ALREADY_COMPLETED";

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
                    return rows.GroupBy(b => b.RecordId).ToDictionary(g => g.Key, g => g.ToArray());
                });
                return new ChainedResult<ActivityBinding[]?>(loader.Load(((Activity)context.Source!).Id), rows => rows ?? []);
            }),
        });

        foreach (var recordType in composer.Registry.Types.Where(t => t.Name != ActivityEntity.Name && composer.HasEntityType(t.Name)))
        {
            composer.EntityType(recordType.Name).AddField(ActivitiesOf(recordType.Name, activityType, composer.Limits.MaxPageSize));
        }

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

        var payload = new ObjectGraphType { Name = "CompleteActivityPayload", Description = "The completed activity, or why it was not completed." };
        payload.AddField(new FieldType { Name = "activity", ResolvedType = activityType, Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Record) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "completeActivity",
            Description = "Marks an activity completed now (needs what updating it needs); one already completed is refused with ALREADY_COMPLETED. Publishes activity.completed.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var raw = c.GetArgument<object>("id");
                return RecordIds.TryParse(raw, out var id)
                    ? await CompleteAsync(c.RequestServices!, id, c.CancellationToken)
                    : new MutationPayload(null, [RecordIds.Invalid(raw, ActivityEntity.Name, "id")]);
            }),
        });
    }

    /// <summary>
    /// <c>activities(planned:, first:)</c> on a record type: its activities the reader may read, one
    /// statement per level whatever the page size (every parent of the level at once).
    /// </summary>
    private static FieldType ActivitiesOf(string entityType, IGraphType activityType, int maxFirst) => new()
    {
        Name = "activities",
        Description = $"The activities bound to this record that you may read, by deadline (none last); planned: true for those not completed, false for the completed ones. At most {maxFirst.ToString(CultureInfo.InvariantCulture)} (Limits:MaxPageSize).",
        ResolvedType = SchemaComposer.NonNullList(activityType),
        Arguments = new QueryArguments(
            new QueryArgument<BooleanGraphType> { Name = "planned" },
            new QueryArgument<IntGraphType> { Name = "first", DefaultValue = DefaultPerRecord }),
        Resolver = new FuncFieldResolver<object?>(context =>
        {
            var first = context.GetArgument<int>("first");
            if (first < 0)
            {
                throw ErrorCodes.Error(ErrorCodes.Validation, "'first' cannot be negative.");
            }

            if (first > maxFirst)
            {
                throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'first' {first.ToString(CultureInfo.InvariantCulture)} exceeds the limit of {maxFirst.ToString(CultureInfo.InvariantCulture)}.");
            }

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

    /// <summary>A record's activities shown when <c>first</c> is not given.</summary>
    public const int DefaultPerRecord = 20;

    public static IReadOnlyList<ActivityTypeDeclaration> AllTypes(IServiceProvider services) =>
    [
        .. ActivityValues.BuiltInTypes.Select(t => new ActivityTypeDeclaration(ActivityValues.PlatformProvider, t, char.ToUpperInvariant(t[0]) + t[1..].ToLowerInvariant())),
        .. services.GetServices<IActivityTypeDeclarations>().SelectMany(d => d.ActivityTypes).OrderBy(t => t.TypeId, StringComparer.Ordinal),
    ];

    private static async Task<MutationPayload> CompleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<ActivitiesDbContext>();
        var activities = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Find(ActivityEntity.Name)!;
        return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            // Locked before it is read: of concurrent completions exactly one completes it.
            await db.LockAsync<Activity>([id], RowLock.NoKeyUpdate, cancellationToken);
            var activity = await activities.ReachesAsync(services, id, PermissionAction.Update, cancellationToken)
                ? await db.Activities.Include(a => a.Bindings).FirstOrDefaultAsync(a => a.Id == id, cancellationToken)
                : null;
            if (activity is null)
            {
                return new MutationPayload(null, [activities.ReachesAll(services, PermissionAction.Update)
                    ? Refusals.NotFound(ActivityEntity.Name, id, "id")
                    : Refusals.Forbidden("complete", ActivityEntity.Name, id, "id")]);
            }

            if (activity.Completed)
            {
                return new MutationPayload(null, [UserError.At(AlreadyCompleted, "The activity is completed already.", "id")]);
            }

            var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            activity.Completed = true;
            activity.CompletedAt = now;
            db.Publish(new ActivityCompleted(activity.Id, activity.TypeId, activity.ProviderId, activity.ResponsibleId, now,
                activity.Bindings.Select(b => $"{b.EntityType}:{b.EntityId.ToString(CultureInfo.InvariantCulture)}").ToList()));
            await db.SaveChangesAsync(cancellationToken);
            return new MutationPayload(activity, []);
        }, result => result.Errors.Count == 0, cancellationToken);
    }
}
