using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// Puts <see cref="NulFreeStringGraphType"/> in place of every plain <c>String</c> an input may
/// take (arguments of any field, input object fields, at any depth, in lists or not). Inputs
/// declared by type (<c>Type = typeof(StringGraphType)</c>) get it from the schema's type
/// registration; this covers inputs given as instances (<c>new StringGraphType()</c>), which the
/// registration does not reach.
/// </summary>
internal static class NulFreeInputs
{
    public static void Apply(IEnumerable<IComplexGraphType?> roots, NulFreeStringGraphType text)
    {
        var seen = new HashSet<IGraphType>();
        foreach (var root in roots)
        {
            Output(root, text, seen);
        }
    }

    private static void Output(IGraphType? type, NulFreeStringGraphType text, HashSet<IGraphType> seen)
    {
        switch (type)
        {
            case IProvideResolvedType wrapper:
                Output(wrapper.ResolvedType, text, seen);
                break;
            case IComplexGraphType complex when seen.Add(complex):
                foreach (var field in complex.Fields)
                {
                    foreach (var argument in field.Arguments ?? [])
                    {
                        argument.ResolvedType = Input(argument.ResolvedType, text, seen);
                    }

                    Output(field.ResolvedType, text, seen);
                }

                break;
            case UnionGraphType union when seen.Add(union):
                foreach (var member in union.PossibleTypes)
                {
                    Output(member, text, seen);
                }

                break;
        }
    }

    private static IGraphType? Input(IGraphType? type, NulFreeStringGraphType text, HashSet<IGraphType> seen)
    {
        switch (type)
        {
            case NonNullGraphType nonNull:
                nonNull.ResolvedType = Input(nonNull.ResolvedType, text, seen);
                return nonNull;
            case ListGraphType list:
                list.ResolvedType = Input(list.ResolvedType, text, seen);
                return list;
            case StringGraphType and not NulFreeStringGraphType:
                return text;
            case IInputObjectGraphType input when seen.Add(input):
                foreach (var field in input.Fields)
                {
                    field.ResolvedType = Input(field.ResolvedType, text, seen);
                }

                return input;
            default:
                return type;
        }
    }
}
