using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Schema;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Feed;

/// <summary><c>feed(where:, first:, after:)</c>: the company-wide stream of timeline entries on the records the caller may read, newest first.</summary>
internal static class FeedField
{
    public static void Add(SchemaComposer composer, IGraphType connection, IGraphType filter)
    {
        var limits = composer.Limits;
        composer.Query.AddField(new FieldType
        {
            Name = "feed",
            Description = "What happened to the records the caller may read, newest first, rights applied before paging; administrators also see deleted records' entries.",
            ResolvedType = new NonNullGraphType(connection),
            Arguments = new QueryArguments(
                new QueryArgument(filter) { Name = "where" },
                new QueryArgument<IntGraphType> { Name = "first", Description = $"How many entries (default {limits.DefaultPageSize}, at most {limits.MaxPageSize})." },
                new QueryArgument<StringGraphType> { Name = "after", Description = "The cursor of the last entry of the previous page." },
                new QueryArgument<IntGraphType>
                {
                    Name = "planned",
                    Description = $"How many of the caller's planned items to put on top ('planned' of the connection; default none, at most {limits.MaxPageSize}): on the first page only (no 'after').",
                }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                var first = TimelineSchema.First(c, limits);
                var after = TimelineSchema.After(c);
                var where = FeedFilter.Read(c);
                var planned = Planned(c, limits);
                var entries = await new FeedReader(services.GetRequiredService<TimelineDbContext>()).PageAsync(services, where, first, after, c.CancellationToken);
                return TimelineSchema.ToPage(entries, first) with
                {
                    Planned = after is null ? await PlannedForMe.ReadAsync(services, planned, c.CancellationToken) : [],
                };
            }),
        });
    }

    private static int Planned(IResolveFieldContext context, QueryLimits limits) => limits.PageSize(context.GetArgument<int?>("planned"), "planned", whenMissing: 0);
}
