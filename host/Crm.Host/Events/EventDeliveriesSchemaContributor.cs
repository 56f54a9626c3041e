using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Host.Events;

/// <summary>
/// <c>eventDeliveries</c>, <c>retryEventDeliveries</c>, <c>discardEventDeliveries</c>: the deliveries of
/// events to handlers that did not succeed at once (waiting, retrying, parked), for administrators
/// (the settings right).
/// </summary>
public sealed class EventDeliveriesSchemaContributor : ISchemaContributor
{
    /// <summary>An event as a delivery carries it, read from its envelope.</summary>
    private sealed record DeliveredEvent(JsonObject Envelope, string Json);

    public void Contribute(SchemaComposer composer)
    {
        var state = new EnumerationGraphType { Name = "EventDeliveryState", Description = "Where a delivery of an event to one handler stands." };
        state.Add("WAITING", EventDeliveryState.Waiting, "Not tried yet: an earlier event of the same record has not reached this handler, and this one waits behind it.");
        state.Add("RETRYING", EventDeliveryState.Retrying, "Failed; tried again at nextAttemptAt.");
        state.Add("PARKED", EventDeliveryState.Parked, "Failed Events:MaxAttempts times; waits for retryEventDeliveries or discardEventDeliveries. Later events of its record wait behind it.");

        var domainEvent = new ObjectGraphType { Name = "DomainEvent", Description = "A published event, as its handlers receive it." };
        domainEvent.AddField(SharedGraphTypes.Field<DeliveredEvent>("id", typeof(NonNullGraphType<IdGraphType>), e => e.Envelope["id"]?.GetValue<string>()));
        domainEvent.AddField(SharedGraphTypes.Field<DeliveredEvent>("type", typeof(NonNullGraphType<StringGraphType>), e => e.Envelope["type"]?.GetValue<string>(), "The contract's name, e.g. deal.stageChanged."));
        domainEvent.AddField(SharedGraphTypes.Field<DeliveredEvent>("version", typeof(NonNullGraphType<IntGraphType>), e => e.Envelope["version"]?.GetValue<int>(), "The contract's version."));
        domainEvent.AddField(SharedGraphTypes.Field<DeliveredEvent>("entityType", typeof(NonNullGraphType<StringGraphType>), e => e.Envelope["entityType"]?.GetValue<string>(), "The type of the record the event is about."));
        domainEvent.AddField(SharedGraphTypes.Field<DeliveredEvent>("entityId", typeof(NonNullGraphType<IdGraphType>), e => e.Envelope["entityId"]?.GetValue<long>().ToString(CultureInfo.InvariantCulture), "The record the event is about."));
        domainEvent.AddField(SharedGraphTypes.Field<DeliveredEvent>("occurredAt", typeof(NonNullGraphType<DateTimeGraphType>), e => e.Envelope["occurredAt"]?.GetValue<DateTimeOffset>()));
        domainEvent.AddField(SharedGraphTypes.Field<DeliveredEvent>("actorId", typeof(IdGraphType), e => e.Envelope["actorId"]?.GetValue<long>().ToString(CultureInfo.InvariantCulture), "The user whose change it was; null for the platform's own work."));
        domainEvent.AddField(SharedGraphTypes.Field<DeliveredEvent>("json", typeof(NonNullGraphType<StringGraphType>), e => e.Json, "The whole event as JSON: { id, type, version, occurredAt, actorId, entityType, entityId, data }."));

        var delivery = new ObjectGraphType { Name = "EventDelivery", Description = "One event for one handler, that did not succeed at once or waits behind one that did not." };
        delivery.AddField(SharedGraphTypes.Field<EventDelivery>("id", typeof(NonNullGraphType<IdGraphType>), d => d.Id.ToString(CultureInfo.InvariantCulture)));
        delivery.AddField(SharedGraphTypes.Field<EventDelivery>("handler", typeof(NonNullGraphType<StringGraphType>), d => d.Handler, "The handler's stable name, moduleId/name."));
        delivery.AddField(new FieldType { Name = "state", ResolvedType = new NonNullGraphType(state), Resolver = new FuncFieldResolver<object?>(c => ((EventDelivery)c.Source!).State) });
        delivery.AddField(SharedGraphTypes.Field<EventDelivery>("attempts", typeof(NonNullGraphType<IntGraphType>), d => d.Attempts, "Failed attempts since it was made or last retried by an administrator."));
        delivery.AddField(SharedGraphTypes.Field<EventDelivery>("lastError", typeof(StringGraphType), d => d.LastError, "What the last attempt failed with (the server log has the rest)."));
        delivery.AddField(SharedGraphTypes.Field<EventDelivery>("lastAttemptAt", typeof(DateTimeGraphType), d => d.LastAttemptAt));
        delivery.AddField(SharedGraphTypes.Field<EventDelivery>("nextAttemptAt", typeof(DateTimeGraphType), d => d.State == EventDeliveryState.Parked ? null : d.NextAttemptAt,
            "When it is tried next (a waiting one, once nothing earlier of its record waits); null while parked."));
        delivery.AddField(SharedGraphTypes.Field<EventDelivery>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), d => d.CreatedAt));
        delivery.AddField(new FieldType
        {
            Name = "event",
            ResolvedType = new NonNullGraphType(domainEvent),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var row = (EventDelivery)c.Source!;
                return new DeliveredEvent(JsonNode.Parse(row.Payload)!.AsObject(), row.Payload);
            }),
        });

        var edge = new ObjectGraphType { Name = "EventDeliveriesEdge", Description = "A delivery in a list, with its cursor." };
        edge.AddField(SharedGraphTypes.Field<Edge>("cursor", typeof(NonNullGraphType<StringGraphType>), e => e.Cursor));
        edge.AddField(new FieldType { Name = "node", ResolvedType = new NonNullGraphType(delivery), Resolver = new FuncFieldResolver<object?>(c => ((Edge)c.Source!).Node) });
        var connection = new ObjectGraphType { Name = "EventDeliveriesConnection", Description = "A page of event deliveries, oldest first." };
        connection.AddField(new FieldType { Name = "nodes", ResolvedType = SchemaComposer.NonNullList(delivery), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).Edges.Select(e => e.Node)) });
        connection.AddField(new FieldType { Name = "edges", ResolvedType = SchemaComposer.NonNullList(edge), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).Edges) });
        connection.AddField(new FieldType { Name = "pageInfo", ResolvedType = new NonNullGraphType(composer.Types.PageInfo), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).PageInfo) });
        connection.AddField(SharedGraphTypes.Field<Connection>("totalCount", typeof(NonNullGraphType<IntGraphType>), c => c.TotalCount, "How many deliveries match, in all pages. Counted only when asked for."));

        composer.Query.AddField(new FieldType
        {
            Name = "eventDeliveries",
            Description = "Deliveries of events to handlers that did not succeed at once, oldest first: of one state and handler when given. Needs the settings right.",
            ResolvedType = new NonNullGraphType(connection),
            Arguments = new QueryArguments(
                new QueryArgument(state) { Name = "state" },
                new QueryArgument<StringGraphType> { Name = "handler", Description = "A handler's name (moduleId/name)." },
                new QueryArgument<IntGraphType> { Name = "first" },
                new QueryArgument<StringGraphType> { Name = "after" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var withTotal = c.SubFields?.Values.Any(f => f.FieldType.Name == "totalCount") == true;
                return await c.RequestServices!.GetRequiredService<EventDeliveryAdmin>().ListAsync(
                    c.GetArgument<EventDeliveryState?>("state"), c.GetArgument<string?>("handler"), c.GetArgument<int?>("first"), c.GetArgument<string?>("after"),
                    withTotal, c.CancellationToken);
            }),
        });

        var payload = new ObjectGraphType { Name = "EventDeliveriesPayload", Description = "How many deliveries a retry or discard took, or why none." };
        payload.AddField(SharedGraphTypes.Field<DeliveriesOutcome>("count", typeof(NonNullGraphType<IntGraphType>), p => p.Count));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((DeliveriesOutcome)c.Source!).Errors) });
        var ids = new QueryArgument<ListGraphType<NonNullGraphType<IdGraphType>>> { Name = "ids", Description = "Parked deliveries, at most Limits:MaxPageSize." };
        composer.Mutation.AddField(new FieldType
        {
            Name = "retryEventDeliveries",
            Description = "Puts parked deliveries back in line, due now, with a fresh Events:MaxAttempts: those of 'ids', or every parked one of 'handler'. "
                + "All or none: an id that is not a parked delivery refuses the lot. Needs the settings right.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(ids, new QueryArgument<StringGraphType> { Name = "handler", Description = "Every parked delivery of this handler." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var (count, errors) = await c.RequestServices!.GetRequiredService<EventDeliveryAdmin>().RetryAsync(
                    c.GetArgument<List<object?>?>("ids"), c.GetArgument<string?>("handler"), c.CancellationToken);
                return new DeliveriesOutcome(count, errors);
            }),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "discardEventDeliveries",
            Description = "Drops parked deliveries for good: their handler never receives those events, and the next ones of the same record go on to it. "
                + "All or none. Needs the settings right.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>> { Name = "ids", Description = "Parked deliveries, at most Limits:MaxPageSize." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var (count, errors) = await c.RequestServices!.GetRequiredService<EventDeliveryAdmin>().DiscardAsync(
                    c.GetArgument<List<object?>>("ids"), c.CancellationToken);
                return new DeliveriesOutcome(count, errors);
            }),
        });
    }

    private sealed record DeliveriesOutcome(int Count, IReadOnlyList<UserError> Errors);
}
