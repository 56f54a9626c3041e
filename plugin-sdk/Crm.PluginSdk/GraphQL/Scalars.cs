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

/// <summary>
/// GraphQL's <c>String</c>, refusing U+0000 in every input (argument, variable, nested input
/// field): PostgreSQL cannot store it in text and answers an error, SQLite stores it and cuts
/// the text at it elsewhere. One check at the root, so that no module meets it; the request is
/// refused with VALIDATION naming the argument or variable path. Output is not checked.
/// </summary>
internal sealed class NulFreeStringGraphType : StringGraphType
{
    public const string Problem = "Text may not contain the character U+0000.";

    public NulFreeStringGraphType() => Name = "String";

    public override object? ParseLiteral(GraphQLParser.AST.GraphQLValue value) =>
        value is GraphQLParser.AST.GraphQLStringValue text && text.Value.Span.Contains('\0') ? throw new FormatException(Problem) : base.ParseLiteral(value);

    public override bool CanParseLiteral(GraphQLParser.AST.GraphQLValue value) =>
        base.CanParseLiteral(value) && !(value is GraphQLParser.AST.GraphQLStringValue text && text.Value.Span.Contains('\0'));

    public override object? ParseValue(object? value) =>
        value is string text && text.Contains('\0', StringComparison.Ordinal) ? throw new FormatException(Problem) : base.ParseValue(value);

    public override bool CanParseValue(object? value) => base.CanParseValue(value) && !(value is string text && text.Contains('\0', StringComparison.Ordinal));

    // Serializing goes through ParseValue by default: what is already stored must still be shown.
    public override object? Serialize(object? value) => base.ParseValue(value);
}
