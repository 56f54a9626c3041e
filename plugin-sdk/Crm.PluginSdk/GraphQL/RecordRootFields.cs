using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// A record type's root fields: <c>deal(id:)</c> and <c>deals(where: order: first: after: last: before: search:)</c>
/// on Query, <c>createDeal</c>, <c>updateDeal</c> and <c>deleteDeal</c> on Mutation, each handing its
/// arguments to the definition.
/// </summary>
internal sealed class RecordRootFields(ObjectGraphType query, ObjectGraphType mutation, SharedGraphTypes types, QueryLimits limits)
{
    public void AddQueries(ICrmEntityDefinition definition, ObjectGraphType type, ObjectGraphType connection, InputObjectGraphType filter, InputObjectGraphType sort)
    {
        query.AddField(new FieldType
        {
            Name = definition.Name,
            Description = $"One {definition.Name} by id.",
            ResolvedType = type,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                var id = RecordIds.Parse(context.GetArgument<object>("id"), "id", definition.Name);
                var services = context.RequestServices!;
                // The to-one references it shows come in the same statement where they can (JoinedRead).
                var references = SelectedColumns.ReferencesOf(context, services.GetRequiredService<IEntityRegistry>());
                return await definition.GetAsync(services, id, SelectedColumns.OfRecord(context), references, context.CancellationToken)
                    ?? throw (definition.ReachesAll(context.RequestServices!, Security.PermissionAction.Read)
                        ? Refusals.NotFoundError(definition.Name, id)
                        : Refusals.ForbiddenError("read", definition.Name, id));
            }),
        });

        var list = query.AddField(new FieldType
        {
            Name = definition.PluralName,
            Description = $"A page of {definition.PluralName}, filtered and sorted. Without 'first' or 'last' a page holds {limits.DefaultPageSize}; at most {limits.MaxPageSize}.",
            ResolvedType = new NonNullGraphType(connection),
            Arguments = new QueryArguments(
                new QueryArgument(filter) { Name = "where" },
                new QueryArgument(new ListGraphType(new NonNullGraphType(sort))) { Name = "order" },
                new QueryArgument<IntGraphType> { Name = "first", Description = "The first n records (after 'after')." },
                new QueryArgument<StringGraphType> { Name = "after", Description = "A cursor; the page starts after it." },
                new QueryArgument<IntGraphType> { Name = "last", Description = "The last n records (before 'before')." },
                new QueryArgument<StringGraphType> { Name = "before", Description = "A cursor; the page ends before it." },
                ViewArgument.Create("A saved view (or saved filter) of this type: its filter is AND-ed with 'where', its order applies when 'order' is not given, its page size when neither 'first' nor 'last' is. Conditions on fields deleted since it was saved are left out, each said in the response's extensions.warnings.")),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                var order = context.GetArgument<List<object?>?>("order")?
                    .OfType<IDictionary<string, object?>>()
                    .Select(o => (IReadOnlyDictionary<string, object?>)o.AsReadOnly())
                    .ToList();
                var arguments = new ListArguments(
                    context.GetArgument<Dictionary<string, object?>?>("where"),
                    order,
                    context.GetArgument<int?>("first"),
                    context.GetArgument<string?>("after"),
                    context.GetArgument<int?>("last"),
                    context.GetArgument<string?>("before"),
                    context.GetArgument<string?>("search"));
                if (await ViewArgument.ResolveAsync(context, definition) is { } view)
                {
                    arguments = view.ApplyTo(arguments);
                }

                // SubFields is keyed by response name: look for the field itself, aliased or not.
                var withTotal = context.SubFields?.Values.Any(f => f.FieldType.Name == "totalCount") == true;
                return await definition.ListAsync(context.RequestServices!, arguments, withTotal, SelectedColumns.OfConnection(context), context.CancellationToken);
            }),
        });
        if (definition.Searchable)
        {
            list.Arguments!.Add(FilterLimits.MarkAsSearch(new QueryArgument<StringGraphType>
            {
                Name = "search",
                Description = $"Finds records by name, title, e-mail or phone{(definition.SearchLinkNames.Count == 0 ? "" : ", or by the titles of their " + string.Join(" and ", definition.SearchLinkNames))}: every word must appear; a phone number matches however it is written. At most {limits.MaxSearchLength} characters.",
            }));
        }
    }

    public void AddMutations(ICrmEntityDefinition definition, ObjectGraphType type, InputObjectGraphType create, InputObjectGraphType update)
    {
        var graphName = definition.GraphTypeName;

        mutation.AddField(new FieldType
        {
            Name = $"create{graphName}",
            Description = $"Creates a {definition.Name}.",
            ResolvedType = new NonNullGraphType(PayloadTypeFactory.Saved(definition, type, $"Create{graphName}Payload", types)),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(create)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
                await definition.CreateAsync(context.RequestServices!, Arguments(context, "input"), context.CancellationToken)),
        });

        mutation.AddField(new FieldType
        {
            Name = $"update{graphName}",
            Description = $"Changes the given fields of a {definition.Name}; fields left out keep their values, null clears them.",
            ResolvedType = new NonNullGraphType(PayloadTypeFactory.Saved(definition, type, $"Update{graphName}Payload", types)),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(update)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                if (!RecordIds.TryParse(context.GetArgument<object>("id"), out var id))
                {
                    return InvalidId(context.GetArgument<object>("id"), definition.Name);
                }

                return await definition.UpdateAsync(context.RequestServices!, id, Arguments(context, "input"), context.CancellationToken);
            }),
        });

        var deletePayload = PayloadTypeFactory.Deleted(definition, types);
        mutation.AddField(new FieldType
        {
            Name = $"delete{graphName}",
            Description = $"Deletes a {definition.Name}.",
            ResolvedType = new NonNullGraphType(deletePayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                if (!RecordIds.TryParse(context.GetArgument<object>("id"), out var id))
                {
                    return InvalidId(context.GetArgument<object>("id"), definition.Name);
                }

                return await definition.DeleteAsync(context.RequestServices!, id, context.CancellationToken);
            }),
        });
    }

    private static IReadOnlyDictionary<string, object?> Arguments(IResolveFieldContext context, string name) =>
        context.GetArgument<Dictionary<string, object?>>(name);

    private static MutationPayload InvalidId(object? value, string entityName) => new(null, [RecordIds.Invalid(value, entityName, "id")]);
}
