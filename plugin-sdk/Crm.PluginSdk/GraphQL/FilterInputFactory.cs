using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>A record type's filter input (<c>DealFilterInput</c>): <c>and</c>, <c>or</c> and one operation filter per filterable field.</summary>
internal static class FilterInputFactory
{
    public static InputObjectGraphType Create(ICrmEntityDefinition definition, IReadOnlyDictionary<string, EntityField> fields, SharedGraphTypes types, QueryLimits limits)
    {
        var filter = new InputObjectGraphType
        {
            Name = $"{definition.GraphTypeName}FilterInput",
            Description = $"Conditions on {definition.PluralName}; all given must hold. At most {limits.MaxFilterTerms} conditions and {limits.MaxFilterValues} values in in/nin lists.",
        };
        FilterLimits.MarkAsFilter(filter);
        filter.AddField(new FieldType { Name = FilterCompiler.And, ResolvedType = new ListGraphType(new NonNullGraphType(filter)), Description = "All of these hold." });
        filter.AddField(new FieldType { Name = FilterCompiler.Or, ResolvedType = new ListGraphType(new NonNullGraphType(filter)), Description = "At least one of these holds." });
        foreach (var field in fields.Values.Where(f => f.Filterable))
        {
            FormerNameFields.AddFormerName(filter, field, filter.AddField(new FieldType
            {
                Name = field.Name,
                ResolvedType = field.Kind == FieldKind.ContactPoints ? types.ContactPointsFilter(field.PointKind) : types.OperationFilter(field.Kind),
            }));
        }

        return filter;
    }
}
