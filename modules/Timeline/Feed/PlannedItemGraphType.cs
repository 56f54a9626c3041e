using System.Globalization;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Timeline;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Modules.Timeline.Feed;

/// <summary><c>PlannedItem</c>: one thing the caller has to do, with its record loaded in batches.</summary>
internal static class PlannedItemGraphType
{
    public static IGraphType Create(SchemaComposer composer)
    {
        var type = new ObjectGraphType { Name = "PlannedItem", Description = "Something you have to do: an activity to hold, or what a module plans (a task)." };
        type.AddField(SharedGraphTypes.Field<PlannedItem>("kind", typeof(NonNullGraphType<StringGraphType>), i => i.Kind, "A finer kind than its record type, for an icon: an activity's type (CALL, MEETING, TODO, a module's own)."));
        type.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(composer.Types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((PlannedItem)c.Source!).EntityType) });
        type.AddField(SharedGraphTypes.Field<PlannedItem>("id", typeof(NonNullGraphType<IdGraphType>), i => i.Id.ToString(CultureInfo.InvariantCulture), "Its record's id."));
        type.AddField(SharedGraphTypes.Field<PlannedItem>("title", typeof(NonNullGraphType<StringGraphType>), i => i.Title));
        type.AddField(SharedGraphTypes.Field<PlannedItem>("due", typeof(DateTimeGraphType), i => i.Due, "When it is due; null when it has no deadline."));
        type.AddField(new FieldType
        {
            Name = "overdue",
            Description = "Due before now and not done.",
            ResolvedType = new NonNullGraphType(new BooleanGraphType()),
            Resolver = new FuncFieldResolver<object?>(c => ((PlannedItem)c.Source!).Due is { } due && due < DateTime.UtcNow),
        });
        if (composer.RecordField<PlannedItem>("record", "The item's record (an Activity, ...), loaded for every item at once; null when it is gone.",
                item => (item.EntityType, item.Id)) is { } record)
        {
            type.AddField(record);
        }

        return type;
    }
}
