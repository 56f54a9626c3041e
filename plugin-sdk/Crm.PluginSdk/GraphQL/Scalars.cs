using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>A calendar date without time or zone, as ISO 8601 <c>yyyy-MM-dd</c>.</summary>
public sealed class DateGraphType : DateOnlyGraphType
{
    public DateGraphType()
    {
        Name = "Date";
        Description = "A calendar date without a time or zone, as ISO 8601 yyyy-MM-dd.";
    }
}
