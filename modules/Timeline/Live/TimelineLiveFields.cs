using Crm.PluginSdk.Entities;
using Crm.Modules.Timeline.Domain;
using Crm.Modules.Timeline.Feed;
using Crm.Modules.Timeline.Schema;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Live;
using GraphQL;
using GraphQL.Types;

namespace Crm.Modules.Timeline.Live;

/// <summary>
/// The subscriptions over timeline entries: <c>timelineEvents(entityType:, entityId:, after:)</c>,
/// one record's new entries, and <c>feedEvents(where:, after:)</c>, the feed's. Each event's cursor is
/// the entry's id; rights are checked for each batch with the subscriber's rights of now.
/// </summary>
internal static class TimelineLiveFields
{
    private static readonly TimelineLiveSource Source = new();

    public static void Add(SchemaComposer composer, IGraphType entry, IGraphType filter)
    {
        composer.AddLiveField(new LiveField<TimelineEntry>("timelineEvents", "New entries of one record's timeline, as they are written, for a subscriber who may read the record.", entry, Source)
        {
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "entityId" }),
            FilterAsync = async context =>
            {
                var entityType = context.GetArgument<string>("entityType");
                var entityId = RecordIds.Parse(context.GetArgument<object>("entityId"), "entityId", entityType);
                // Refused at subscribe as the timeline query refuses it; each entry is checked again when sent.
                await TimelineSchema.CheckReadableAsync(context.RequestServices!, composer.Registry, entityType, entityId, context.CancellationToken);
                return e => e.EntityId == entityId && e.EntityType == entityType;
            },
        });

        composer.AddLiveField(new LiveField<TimelineEntry>("feedEvents", "New entries of the feed, as they are written: on records the subscriber may read, matching 'where'.", entry, Source)
        {
            Arguments = new QueryArguments(new QueryArgument(filter) { Name = "where" }),
            Filter = context => FeedFilter.Read(context).Matches,
        });
    }
}
