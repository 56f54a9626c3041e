using Crm.PluginSdk.Entities;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>A record type's sort input (<c>DealSortInput</c>): one direction per sortable field.</summary>
internal static class SortInputFactory
{
    public static InputObjectGraphType Create(ICrmEntityDefinition definition, IReadOnlyDictionary<string, EntityField> fields, SharedGraphTypes types)
    {
        var sort = new InputObjectGraphType { Name = $"{definition.GraphTypeName}SortInput", Description = $"One sort key for {definition.PluralName}; give one field per list item." };
        foreach (var field in fields.Values.Where(f => f.Sortable))
        {
            FormerNameFields.AddFormerName(sort, field, sort.AddField(new FieldType { Name = field.Name, ResolvedType = types.SortEnum }));
        }

        return sort;
    }
}
