using System.Collections.Concurrent;
using System.Globalization;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Live;

/// <summary>
/// A subscription root field over a live source, added with <see cref="SchemaComposer.AddLiveField{TItem}"/>.
/// Each event is <c>{ cursor, node }</c>; the field takes <c>after:</c> (the cursor of the last event
/// a client saw: it gets what it missed, then live events, nothing twice) besides its own
/// <see cref="Arguments"/>.
/// </summary>
/// <param name="name">The field's name, e.g. <c>quoteNotes</c>; its event type is named after it (<c>QuoteNotesEvent</c>).</param>
/// <param name="description">The field's description in the schema.</param>
/// <param name="nodeType">The graph type of an item.</param>
/// <param name="source">Where the items come from.</param>
public sealed class LiveField<TItem>(string name, string description, IGraphType nodeType, ILiveSource<TItem> source) where TItem : class
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    public IGraphType NodeType { get; } = nodeType;

    public ILiveSource<TItem> Source { get; } = source;

    /// <summary>The field's own arguments (<c>after</c> is added).</summary>
    public QueryArguments Arguments { get; init; } = new();

    /// <summary>
    /// From the subscription's arguments, which items it wants (null: every item the subscriber may
    /// see). Runs once at subscribe; throw an <see cref="ExecutionError"/> with a code to refuse it.
    /// </summary>
    public Func<IResolveFieldContext, Func<TItem, bool>>? Filter { get; init; }

    /// <summary>
    /// As <see cref="Filter"/>, for a field that must read before it accepts a subscription (that
    /// the subscriber may read the record it names, say); used instead of <see cref="Filter"/> when set.
    /// </summary>
    public Func<IResolveFieldContext, Task<Func<TItem, bool>>>? FilterAsync { get; init; }
}

/// <summary>
/// One event of a live field: the item and the cursor to resume after it. The host makes one per
/// item it reads and hands the same to every subscriber, so that subscribers who share a selection
/// and rights share its execution (<see cref="Payloads"/>).
/// </summary>
internal sealed class LiveEvent(string cursor, object node)
{
    public string Cursor { get; } = cursor;

    public object Node { get; } = node;

    /// <summary>The serialized result of this event per sharing key (selection, variables, schema, credential and rights), executed once.</summary>
    public ConcurrentDictionary<string, Lazy<Task<string?>>> Payloads { get; } = new(StringComparer.Ordinal);
}

/// <summary>The host's live mechanism, as the SDK's subscription fields reach it.</summary>
internal interface ILiveStreams
{
    /// <summary>
    /// The events of <paramref name="source"/> after <paramref name="after"/> (null: from now) that
    /// <paramref name="wanted"/> accepts and the subscriber of <paramref name="context"/> may see.
    /// </summary>
    IObservable<object?> Open<TItem>(ILiveSource<TItem> source, long? after, Func<TItem, bool> wanted, IResolveFieldContext context) where TItem : class;
}

internal static class LiveFields
{
    public const string AfterArgument = "after";

    /// <summary>The metadata key that marks a subscription field as a live field (its stream yields <see cref="LiveEvent"/>s).</summary>
    public const string MetadataKey = "crm.live";

    public static FieldType Create<TItem>(LiveField<TItem> field) where TItem : class
    {
        if (!LiveSignal.IsValid(field.Source.Signal))
        {
            throw new InvalidOperationException($"The live source of '{field.Name}' has the signal '{field.Source.Signal}', which is not a valid name.");
        }

        var eventType = new ObjectGraphType
        {
            Name = char.ToUpperInvariant(field.Name[0]) + field.Name[1..] + "Event",
            Description = $"One event of `{field.Name}`: the item, and the cursor to subscribe again after it.",
        };
        eventType.AddField(new FieldType
        {
            Name = "cursor",
            Description = "Pass it as `after` when subscribing again to get only what came after this event.",
            ResolvedType = new NonNullGraphType(new StringGraphType()),
            Resolver = new FuncFieldResolver<object?>(c => ((LiveEvent)c.Source!).Cursor),
        });
        eventType.AddField(new FieldType
        {
            Name = "node",
            ResolvedType = new NonNullGraphType(field.NodeType),
            Resolver = new FuncFieldResolver<object?>(c => ((LiveEvent)c.Source!).Node),
        });

        var arguments = new QueryArguments(field.Arguments)
        {
            new QueryArgument<StringGraphType>
            {
                Name = AfterArgument,
                Description = "The cursor of the last event seen: the events after it come first (at most Live:MaxCatchUpItems of them), then live ones. Without it, only what comes from now on.",
            },
        };
        var live = new FieldType
        {
            Name = field.Name,
            Description = field.Description,
            ResolvedType = new NonNullGraphType(eventType),
            Arguments = arguments,
            // Each event is its own result: the source's value is the event.
            Resolver = new FuncFieldResolver<object?>(c => c.Source),
            StreamResolver = new SourceStreamResolver<object?>(async context =>
            {
                var after = ParseAfter(context.GetArgument<string?>(AfterArgument));
                var wanted = field.FilterAsync is { } filterAsync
                    ? await filterAsync(context)
                    : field.Filter?.Invoke(context) ?? (_ => true);
                var streams = context.RequestServices?.GetService<ILiveStreams>()
                    ?? throw new ExecutionError("Subscriptions are only served over WebSocket (graphql-transport-ws).") { Code = ErrorCodes.Validation };
                return streams.Open(field.Source, after, wanted, context);
            }),
        };
        live.Metadata[MetadataKey] = true;
        return live;
    }

    private static long? ParseAfter(string? after)
    {
        if (after is null)
        {
            return null;
        }

        return long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor)
            ? cursor
            : throw new ExecutionError($"'{(after.Length > 40 ? after[..40] + "…" : after)}' is not a cursor of this subscription.") { Code = ErrorCodes.InvalidCursor };
    }
}
