using System.Globalization;
using Crm.Modules.Timeline.Comments;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.Modules.Timeline.Feed;
using Crm.Modules.Timeline.History;
using Crm.Modules.Timeline.Live;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Timeline;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Schema;

/// <summary>
/// <c>timeline(entityType:, entityId:, first:, after:)</c> and a <c>timeline(first:, after:)</c>
/// field on every record type: the record's history newest first, as typed entries (the
/// <c>TimelineEntry</c> interface, one type per kind).
/// </summary>
public sealed class TimelineSchema : ISchemaContributor
{
    /// <summary>A page of entries and whether more follow: of one record (its type and id), or of the feed (no record).</summary>
    public sealed record TimelinePage(string? EntityType, long EntityId, IReadOnlyList<TimelineEntry> Entries, bool HasNextPage)
    {
        /// <summary>The feed's: the caller's planned items to show on top (see <see cref="IPlannedItems"/>).</summary>
        public IReadOnlyList<PlannedItem> Planned { get; init; } = [];

        /// <summary>The last timeline entry's id when the page was read (root field only, when asked for): where a subscription starts.</summary>
        public long? LiveCursor { get; init; }
    }

    public void Contribute(SchemaComposer composer)
    {
        var types = new TimelineGraphTypes(composer, composer.RootServices.GetServices<ITimelineKinds>().SelectMany(k => k.Kinds));
        foreach (var entryType in types.EntryTypes)
        {
            composer.AddType(entryType);
        }

        var limits = composer.Limits;
        var edge = Edge(types.Entry);
        var connection = Connection(composer.Types, types.Entry, edge);
        var firstDescription = $"How many entries (default {limits.DefaultPageSize}, at most {limits.MaxPageSize}).";

        composer.Query.AddField(new FieldType
        {
            Name = "timeline",
            Description = "What happened to a record, newest first: for whoever may read it; administrators also for a deleted record.",
            ResolvedType = new NonNullGraphType(connection),
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "entityId" },
                new QueryArgument<IntGraphType> { Name = "first", Description = firstDescription },
                new QueryArgument<StringGraphType> { Name = "after", Description = "The cursor of the last entry of the previous page." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                var entityType = c.GetArgument<string>("entityType");
                var entityId = RecordIds.Parse(c.GetArgument<object>("entityId"), "entityId", entityType);
                var first = First(c, limits);
                var after = After(c);
                await CheckReadableAsync(services, composer.Registry, entityType, entityId, c.CancellationToken);
                var db = services.GetRequiredService<TimelineDbContext>();
                // Read before the page: an entry written in between comes twice (once live), never not at all.
                long? liveCursor = c.SubFields?.Values.Any(f => f.FieldType.Name == "liveCursor") == true
                    ? await db.Entries.MaxAsync(e => (long?)e.Id, c.CancellationToken) ?? 0
                    : null;
                var entries = await new TimelineReader(db).PageAsync(entityType, entityId, first, after, c.CancellationToken);
                return ToPage(entityType, entityId, entries, first) with { LiveCursor = liveCursor };
            }),
        });

        var feedFilter = FeedFilter.InputType(composer.Types);
        FeedField.Add(composer, FeedConnection(composer, types.Entry, edge), feedFilter);
        TimelineLiveFields.Add(composer, types.Entry, feedFilter);

        foreach (var definition in composer.Registry.Types.OfType<ICrmEntityDefinition>().Where(d => composer.HasEntityType(d.Name)))
        {
            var name = definition.Name;
            composer.EntityType(name).AddField(new FieldType
            {
                Name = "timeline",
                Description = "What happened to the record, newest first (loaded for every record of the level at once).",
                ResolvedType = new NonNullGraphType(connection),
                Arguments = new QueryArguments(
                    new QueryArgument<IntGraphType> { Name = "first", Description = firstDescription },
                    new QueryArgument<StringGraphType> { Name = "after", Description = "The cursor of the last entry of the previous page." }),
                Resolver = new FuncFieldResolver<object?>(c =>
                {
                    var services = c.RequestServices!;
                    var first = First(c, limits);
                    var after = After(c);
                    // The record was read with the caller's rights already: its timeline is theirs to read.
                    var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, TimelinePage>(
                        $"timeline:{name}:{first.ToString(CultureInfo.InvariantCulture)}:{after?.ToString(CultureInfo.InvariantCulture)}",
                        async (ids, ct) =>
                        {
                            var pages = await new TimelineReader(services.GetRequiredService<TimelineDbContext>()).PagesAsync(name, ids, first, after, ct);
                            return pages.ToDictionary(p => p.Key, p => ToPage(name, p.Key, p.Value, first));
                        });
                    var id = ((ICrmRecord)c.Source!).Id;
                    return new ChainedResult<TimelinePage?>(loader.Load(id), page => page ?? new TimelinePage(name, id, [], false));
                }),
            }.Reads(nameof(ICrmRecord.Id))); // only the id: a list asking for timelines reads no more of its records for it
        }
    }

    private static TimelinePage ToPage(string entityType, long entityId, List<TimelineEntry> entries, int first) =>
        new(entityType, entityId, entries.Take(first).ToList(), entries.Count > first);

    /// <summary>A page of entries of many records (the feed).</summary>
    internal static TimelinePage ToPage(List<TimelineEntry> entries, int first) =>
        new(null, 0, entries.Take(first).ToList(), entries.Count > first);

    internal static int First(IResolveFieldContext c, QueryLimits limits) => limits.PageSize(c.GetArgument<int?>("first"));

    internal static long? After(IResolveFieldContext c) =>
        c.GetArgument<string?>("after") is not { } cursor
            ? null
            : TimelineReader.ParseCursor(cursor) ?? throw ErrorCodes.Error(ErrorCodes.InvalidCursor, "'after' is not a cursor of a timeline entry.");

    /// <summary>
    /// The caller may read the record; an administrator also a deleted record's history (a record
    /// they do not reach does not exist for them). Told as the record's own read would tell it.
    /// </summary>
    internal static async Task CheckReadableAsync(IServiceProvider services, IEntityRegistry registry, string entityType, long entityId, CancellationToken cancellationToken)
    {
        var actor = services.GetRequiredService<ICurrentActor>();
        if (registry.Find(entityType) is not ICrmEntityDefinition definition)
        {
            throw Refusals.NotFoundError(entityType, entityId);
        }

        if (await definition.ReachesAsync(services, entityId, PermissionAction.Read, cancellationToken) || actor.IsAdministrator)
        {
            return;
        }

        throw definition.ReachesAll(services, PermissionAction.Read)
            ? Refusals.NotFoundError(entityType, entityId)
            : Refusals.ForbiddenError("read", entityType, entityId);
    }

    private static ObjectGraphType Edge(IGraphType entry)
    {
        var edge = new ObjectGraphType { Name = "TimelineEdge" };
        edge.AddField(SharedGraphTypes.Field<TimelineEntry>("cursor", typeof(NonNullGraphType<StringGraphType>), e => TimelineReader.Cursor(e.Id)));
        edge.AddField(new FieldType { Name = "node", ResolvedType = new NonNullGraphType(entry), Resolver = new FuncFieldResolver<object?>(c => c.Source) });
        return edge;
    }

    /// <summary>The feed's page: entries of many records, and the caller's planned items on top when asked.</summary>
    private static ObjectGraphType FeedConnection(SchemaComposer composer, IGraphType entry, IGraphType edge)
    {
        var connection = new ObjectGraphType { Name = "FeedConnection", Description = "A page of the feed, newest first, and the caller's planned items when asked." };
        AddPageFields(connection, composer.Types, entry, edge);
        connection.AddField(new FieldType
        {
            Name = "planned",
            Description = "What the caller has to do (their planned activities, and what modules add), overdue first, then by due time (none last): as many as the feed's 'planned' asked, on its first page only.",
            ResolvedType = SchemaComposer.NonNullList(PlannedItemGraphType.Create(composer)),
            Resolver = new FuncFieldResolver<object?>(c => ((TimelinePage)c.Source!).Planned),
        });
        return connection;
    }

    private static ObjectGraphType Connection(SharedGraphTypes shared, IGraphType entry, IGraphType edge)
    {
        var connection = new ObjectGraphType { Name = "TimelineConnection", Description = "A page of a record's timeline, newest first." };
        AddPageFields(connection, shared, entry, edge);
        connection.AddField(new FieldType
        {
            Name = "liveCursor",
            Description = "Pass it as timelineEvents' 'after' to get, live, every entry written since this page was read, also when the page is empty. Only on the root timeline field (null on a record's).",
            Type = typeof(StringGraphType),
            Resolver = new FuncFieldResolver<object?>(c => ((TimelinePage)c.Source!).LiveCursor?.ToString(CultureInfo.InvariantCulture)),
        });
        connection.AddField(new FieldType
        {
            Name = "pinned",
            Description = $"The record's pinned comments, last pinned first (at most {CommentLimits.MaxPinnedPerRecord.ToString(CultureInfo.InvariantCulture)}), whatever the page: loaded for every record of the level at once.",
            ResolvedType = SchemaComposer.NonNullList(CommentGraphType.Get(shared)),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var page = (TimelinePage)c.Source!;
                var entityType = page.EntityType!; // a record's timeline (the feed has a connection of its own)
                var services = c.RequestServices!;
                var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, Comment[]>(
                    $"timeline:pinned:{entityType}",
                    (ids, ct) => new CommentReader(services.GetRequiredService<TimelineDbContext>()).PinnedAsync(entityType, ids, ct));
                return new ChainedResult<Comment[]?>(loader.Load(page.EntityId), pinned => pinned ?? []);
            }),
        });
        return connection;
    }

    private static void AddPageFields(ObjectGraphType connection, SharedGraphTypes shared, IGraphType entry, IGraphType edge)
    {
        connection.AddField(new FieldType { Name = "nodes", ResolvedType = SchemaComposer.NonNullList(entry), Resolver = new FuncFieldResolver<object?>(c => ((TimelinePage)c.Source!).Entries) });
        connection.AddField(new FieldType { Name = "edges", ResolvedType = SchemaComposer.NonNullList(edge), Resolver = new FuncFieldResolver<object?>(c => ((TimelinePage)c.Source!).Entries) });
        connection.AddField(new FieldType
        {
            Name = "pageInfo",
            ResolvedType = new NonNullGraphType(shared.PageInfo),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var page = (TimelinePage)c.Source!;
                return new PageInfo(
                    page.HasNextPage,
                    false,
                    page.Entries.Count > 0 ? TimelineReader.Cursor(page.Entries[0].Id) : null,
                    page.Entries.Count > 0 ? TimelineReader.Cursor(page.Entries[^1].Id) : null);
            }),
        });
    }
}
