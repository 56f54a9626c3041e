using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Schema;
using Crm.PluginSdk.GraphQL;
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
                new QueryArgument<StringGraphType> { Name = "after", Description = "The cursor of the last entry of the previous page." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                var first = TimelineSchema.First(c, limits);
                var after = TimelineSchema.After(c);
                var where = FeedFilter.Read(c);
                var entries = await new FeedReader(services.GetRequiredService<TimelineDbContext>()).PageAsync(services, where, first, after, c.CancellationToken);
                return TimelineSchema.ToPage(entries, first);
            }),
        });
    }
}
