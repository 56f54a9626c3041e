using System.Globalization;
using Crm.Modules.Duplicates.Finding;
using Crm.Modules.Duplicates.Keys;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates.Schema;

/// <summary><c>findDuplicates(entityType:, rule:, first:, after:, recordsPerGroup:)</c> for every record type whose fields allow the rule.</summary>
public sealed class DuplicatesSchema : ISchemaContributor
{
    /// <summary>The most groups one page holds.</summary>
    public const int MaxGroupsPerPage = 100;

    public const int DefaultGroupsPerPage = 20;

    /// <summary>The most records listed per group (<c>count</c> still counts them all).</summary>
    public const int MaxRecordsPerGroup = 50;

    public const int DefaultRecordsPerGroup = 10;

    public void Contribute(SchemaComposer composer)
    {
        if (composer.Types.CrmRecord is not { } record)
        {
            return;
        }

        var rule = new EnumerationGraphType { Name = "DuplicateRule", Description = "How records are taken for likely duplicates." };
        rule.Add("EMAIL", MatchRule.Email, "The same e-mail, without case and surrounding spaces.");
        rule.Add("PHONE", MatchRule.Phone, "The same phone by its last nine digits, however written.");
        rule.Add("NAME_IN_COMPANY", MatchRule.NameInCompany, "The same name (without case and accents) in the same company.");

        var group = new ObjectGraphType { Name = "DuplicateGroup", Description = "Records of one type that share a key under a rule." };
        group.AddField(SharedGraphTypes.Field<DuplicateGroup>("key", typeof(NonNullGraphType<StringGraphType>), g => g.Key,
            "What they share: the e-mail, the phone's last nine digits, or the company's id and the folded name."));
        group.AddField(SharedGraphTypes.Field<DuplicateGroup>("count", typeof(NonNullGraphType<IntGraphType>), g => g.Count, "How many readable records share it (all of them, also beyond those listed)."));
        group.AddField(SharedGraphTypes.Field<DuplicateGroup>("ids", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>),
            g => g.Ids.Select(id => id.ToString(CultureInfo.InvariantCulture)).ToList(), "The records, oldest first, at most 'recordsPerGroup'."));
        var registry = composer.Registry;
        group.AddField(new FieldType
        {
            Name = "records",
            Description = "The records themselves (every group of a page in one statement per type).",
            ResolvedType = SchemaComposer.NonNullList(record),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var g = (DuplicateGroup)c.Source!;
                return registry.LoadMany(c.RequestServices!, g.EntityType, g.Ids.ToList());
            }),
        });

        var page = new ObjectGraphType { Name = "DuplicateGroupPage", Description = "A page of duplicate groups, in key order." };
        page.AddField(new FieldType { Name = "groups", ResolvedType = SchemaComposer.NonNullList(group), Resolver = new FuncFieldResolver<object?>(c => ((DuplicateGroupPage)c.Source!).Groups) });
        page.AddField(SharedGraphTypes.Field<DuplicateGroupPage>("hasNextPage", typeof(NonNullGraphType<BooleanGraphType>), p => p.HasNextPage));
        page.AddField(SharedGraphTypes.Field<DuplicateGroupPage>("endCursor", typeof(StringGraphType), p => p.EndCursor, "Give it as 'after' for the next page."));

        composer.Query.AddField(new FieldType
        {
            Name = "findDuplicates",
            Description = "Groups of likely duplicates of a record type by a rule, among the records the caller may read.",
            ResolvedType = new NonNullGraphType(page),
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
                new QueryArgument(new NonNullGraphType(rule)) { Name = "rule" },
                new QueryArgument<IntGraphType> { Name = "first", Description = $"Groups per page: default {DefaultGroupsPerPage}, at most {MaxGroupsPerPage}." },
                new QueryArgument<StringGraphType> { Name = "after" },
                new QueryArgument<IntGraphType> { Name = "recordsPerGroup", Description = $"Records listed per group: default {DefaultRecordsPerGroup}, at most {MaxRecordsPerGroup}." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                var first = Bounded(c.GetArgument<int?>("first"), "first", DefaultGroupsPerPage, MaxGroupsPerPage);
                var perGroup = Bounded(c.GetArgument<int?>("recordsPerGroup"), "recordsPerGroup", DefaultRecordsPerGroup, MaxRecordsPerGroup);
                var after = c.GetArgument<string?>("after") is { } cursor
                    ? DuplicateFinder.ParseCursor(cursor) ?? throw ErrorCodes.Error(ErrorCodes.InvalidCursor, "'after' is not a cursor of findDuplicates.")
                    : null;
                var definition = Readable(services, registry, c.GetArgument<string>("entityType"));
                var by = c.GetArgument<MatchRule>("rule");
                if (MatchKeys.For(definition, services) is not { } keys || !keys.Rules.Contains(by))
                {
                    throw ErrorCodes.Error(ErrorCodes.Validation, $"The {definition.PluralName} have no fields for the rule {by.GraphName()}.");
                }

                return await services.GetRequiredService<DuplicateFinder>().FindAsync(services, definition, by, first, after, perGroup, c.CancellationToken);
            }),
        });
    }

    /// <summary>A type the caller may read some records of (else FORBIDDEN, as its list would answer).</summary>
    internal static ICrmEntityDefinition Readable(IServiceProvider services, IEntityRegistry registry, string entityType)
    {
        if (registry.Find(entityType) is not ICrmEntityDefinition definition || DuplicateFinder.ReadableCondition(services, definition, "0", []) is null)
        {
            throw ErrorCodes.Error(ErrorCodes.Forbidden, Refusals.MayNotAny("read", registry.Find(entityType) is ICrmEntityDefinition d ? d.PluralName : entityType));
        }

        return definition;
    }

    private static int Bounded(int? requested, string argument, int fallback, int max)
    {
        var value = requested ?? fallback;
        if (value < 1)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, $"'{argument}' must be at least 1.");
        }

        return value > max
            ? throw ErrorCodes.Error(ErrorCodes.LimitExceeded, string.Create(CultureInfo.InvariantCulture, $"'{argument}' {value} exceeds the limit of {max}."))
            : value;
    }
}
