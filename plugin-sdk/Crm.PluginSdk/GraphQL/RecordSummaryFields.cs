using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// A record type's summary root field, <c>dealsSummary(where: search: groupBy: sum: first:)</c>:
/// counts and sums over every record the list with the same filter shows (a board's columns, a
/// report's totals), where a page of the list would show only some of them.
/// </summary>
internal static class RecordSummaryFields
{
    public static void Add(ObjectGraphType query, ICrmEntityDefinition definition, IReadOnlyDictionary<string, EntityField> fields, InputObjectGraphType filter, SharedGraphTypes types, QueryLimits limits)
    {
        var groupable = FieldEnum(definition, fields, $"{definition.GraphTypeName}SummaryGroupField", $"A field {definition.PluralName} can be grouped by in a summary.", byGroup: true)!; // every type groups by id at least
        var summable = FieldEnum(definition, fields, $"{definition.GraphTypeName}SummarySumField", $"A number field of {definition.PluralName} a summary can add up.", byGroup: false);
        var arguments = new QueryArguments(
            new QueryArgument(filter) { Name = "where", Description = "The records to summarize, as the list's 'where'." },
            new QueryArgument(SchemaComposer.NonNullList(groupable)) { Name = "groupBy", Description = $"The fields each group shares a value of: 1 to {SummaryLimits.MaxGroupFields}." },
            new QueryArgument<IntGraphType> { Name = "first", Description = $"The largest groups to return: {limits.DefaultPageSize} when left out, at most {limits.MaxPageSize}." },
            ViewArgument.Create("A saved view (or saved filter) of this type whose filter is AND-ed with 'where'."));
        if (summable is not null)
        {
            arguments.Add(new QueryArgument(new ListGraphType(new NonNullGraphType(summable))) { Name = "sum", Description = $"The fields to add up in each group: at most {SummaryLimits.MaxSumFields}." });
        }

        if (definition.Searchable)
        {
            arguments.Add(FilterLimits.MarkAsSearch(new QueryArgument<StringGraphType> { Name = "search", Description = "The records to summarize, as the list's 'search'." }));
        }

        query.AddField(new FieldType
        {
            Name = $"{definition.PluralName}Summary",
            Description = $"{definition.PluralName} the reader may read, filtered as the list is, grouped by fields: each group's key, how many records it has and the sums of number fields, the largest groups first. One statement, however many records.",
            ResolvedType = new NonNullGraphType(Summary(types)),
            Arguments = arguments,
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                var view = await ViewArgument.ResolveAsync(context, definition);
                IReadOnlyDictionary<string, object?>? where = context.GetArgument<Dictionary<string, object?>?>("where");
                var summary = new SummaryArguments(
                    view is null ? where : view.CombinedWhere(where),
                    context.GetArgument<string?>("search"),
                    Names(context.GetArgument<List<object?>?>("groupBy")),
                    Names(context.GetArgument<List<object?>?>("sum")),
                    context.GetArgument<int?>("first"));
                return await definition.SummarizeAsync(context.RequestServices!, summary, context.CancellationToken);
            }),
        });
    }

    private static List<string> Names(List<object?>? values) => values?.Select(v => (string)v!).ToList() ?? [];

    /// <summary>The fields as enumeration values (named as the fields), or null when none fits.</summary>
    private static EnumerationGraphType? FieldEnum(ICrmEntityDefinition definition, IReadOnlyDictionary<string, EntityField> fields, string name, string description, bool byGroup)
    {
        var type = new EnumerationGraphType { Name = name, Description = description };
        foreach (var field in fields.Values.Where(f => definition.Summarizes(f, byGroup)).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            type.Add(new EnumValueDefinition(field.Name, field.Name) { Description = field.Description });
        }

        return type.Values.Count == 0 ? null : type;
    }

    private static IGraphType Summary(SharedGraphTypes types) => types.GetOrAdd("RecordSummary", () =>
    {
        var sum = new ObjectGraphType { Name = "SummarySum", Description = "The sum of one number field over a group's records." };
        sum.AddField(SharedGraphTypes.Field<SummarySum>("field", typeof(NonNullGraphType<StringGraphType>), s => s.Field));
        sum.AddField(SharedGraphTypes.Field<SummarySum>("value", typeof(DecimalGraphType), s => s.Value, "Null when no record of the group holds a value."));
        var group = new ObjectGraphType { Name = "SummaryGroup", Description = "Records sharing a value of each grouped field." };
        group.AddField(SharedGraphTypes.Field<SummaryGroup>("key", typeof(NonNullGraphType<ListGraphType<StringGraphType>>), g => g.Key,
            "The group's value of each field of 'groupBy', in its order, as text (ids and numbers as written in JSON, dates ISO 8601); null where it is empty."));
        group.AddField(SharedGraphTypes.Field<SummaryGroup>("count", typeof(NonNullGraphType<IntGraphType>), g => g.Count));
        group.AddField(new FieldType { Name = "sums", ResolvedType = SchemaComposer.NonNullList(sum), Resolver = new FuncFieldResolver<object?>(c => ((SummaryGroup)c.Source!).Sums) });
        var type = new ObjectGraphType { Name = "RecordSummary", Description = "The groups of a summary, the largest first." };
        type.AddField(new FieldType { Name = "groups", ResolvedType = SchemaComposer.NonNullList(group), Resolver = new FuncFieldResolver<object?>(c => ((RecordSummary)c.Source!).Groups) });
        type.AddField(SharedGraphTypes.Field<RecordSummary>("hasMoreGroups", typeof(NonNullGraphType<BooleanGraphType>), s => s.HasMoreGroups, "Whether groups beyond 'first' were left out."));
        return type;
    });
}
