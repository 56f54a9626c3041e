using System.Runtime.CompilerServices;
using Crm.PluginSdk.Entities;
using GraphQL;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// What a query's selection of a record needs from storage. Each field of a record type that
/// the SDK makes declares the record properties it reads (<see cref="Reads"/>); a selection made
/// only of such fields reads only those columns. One field without a declaration (a module's own
/// resolver) makes it read the whole record, since nobody can tell what that resolver looks at.
/// </summary>
internal static class SelectedColumns
{
    private const string ReadsKey = "crm:reads";

    /// <summary>Fragments nest at most this deep here (validation already refuses cycles; this only bounds the walk).</summary>
    private const int MaxDepth = 32;

    // Per field node of a document: its siblings under one list (and the same node again when the
    // document is reused) resolve with the walk done once. Keyed weakly: gone with the document.
    private static readonly ConditionalWeakTable<GraphQLField, Cached> ByField = [];

    /// <summary>Declares the record properties <paramref name="field"/>'s resolver reads from its source record.</summary>
    public static FieldType Reads(this FieldType field, params IEnumerable<string> properties)
    {
        field.Metadata[ReadsKey] = properties.ToArray();
        return field;
    }

    /// <summary>Gives <paramref name="copy"/> (a field under a former name) what <paramref name="field"/> declares.</summary>
    public static FieldType ReadsAs(this FieldType copy, FieldType field)
    {
        if (field.Metadata.TryGetValue(ReadsKey, out var reads))
        {
            copy.Metadata[ReadsKey] = reads;
        }

        return copy;
    }

    /// <summary>The projection of the record (or records) the field being resolved returns; null for the whole record.</summary>
    public static RecordProjection? OfRecord(IResolveFieldContext context) =>
        Cache(context, static (context, recordType) => Projection(context.Document, [context.FieldAst.SelectionSet], recordType));

    /// <summary>The projection of the records of a connection (<c>nodes { ... }</c>, <c>edges { node { ... } }</c>); null for the whole record.</summary>
    public static RecordProjection? OfConnection(IResolveFieldContext context) =>
        Cache(context, static (context, recordType) =>
        {
            var document = context.Document;
            var nodes = new List<GraphQLSelectionSet?>();
            foreach (var field in Fields(document, context.FieldAst.SelectionSet, 0))
            {
                if (field is null)
                {
                    return null;
                }

                if (field.Name.Value.Span.SequenceEqual("nodes"))
                {
                    nodes.Add(field.SelectionSet);
                }
                else if (field.Name.Value.Span.SequenceEqual("edges"))
                {
                    foreach (var inner in Fields(document, field.SelectionSet, 0))
                    {
                        if (inner is null)
                        {
                            return null;
                        }

                        if (inner.Name.Value.Span.SequenceEqual("node"))
                        {
                            nodes.Add(inner.SelectionSet);
                        }
                    }
                }
            }

            return Projection(document, nodes, recordType);
        }, connection: true);

    private static RecordProjection? Cache(IResolveFieldContext context, Func<IResolveFieldContext, IComplexGraphType, RecordProjection?> make, bool connection = false)
    {
        var field = context.FieldAst;
        if (ByField.TryGetValue(field, out var cached) && ReferenceEquals(cached.Definition, context.FieldDefinition))
        {
            return cached.Projection;
        }

        var recordType = RecordType(context.FieldDefinition.ResolvedType, connection);
        var projection = recordType is null ? null : make(context, recordType);
        ByField.AddOrUpdate(field, new Cached(context.FieldDefinition, projection));
        return projection;
    }

    private static IComplexGraphType? RecordType(IGraphType? type, bool connection)
    {
        var record = Unwrap(type);
        return connection ? Unwrap(record?.GetField("nodes")?.ResolvedType) : record;
    }

    private static IComplexGraphType? Unwrap(IGraphType? type) => type switch
    {
        NonNullGraphType nonNull => Unwrap(nonNull.ResolvedType),
        ListGraphType list => Unwrap(list.ResolvedType),
        IComplexGraphType complex => complex,
        _ => null,
    };

    private static RecordProjection? Projection(GraphQLDocument document, IEnumerable<GraphQLSelectionSet?> selections, IComplexGraphType recordType)
    {
        var properties = new HashSet<string>(StringComparer.Ordinal);
        foreach (var selection in selections)
        {
            foreach (var field in Fields(document, selection, 0))
            {
                if (field is null)
                {
                    return null;
                }

                if (field.Name.Value.Span.StartsWith("__"))
                {
                    // __typename reads nothing.
                    continue;
                }

                if (recordType.GetField(field.Name.Value) is not { } definition
                    || !definition.Metadata.TryGetValue(ReadsKey, out var reads) || reads is not string[] names)
                {
                    return null;
                }

                properties.UnionWith(names);
            }
        }

        return RecordProjection.Of(properties);
    }

    /// <summary>
    /// The fields of a selection set, through fragment spreads and inline fragments. Fields under
    /// <c>@skip</c>/<c>@include</c> count as selected: reading a column too many is harmless. A null
    /// stands for what lies deeper than <see cref="MaxDepth"/>: unknown, so the whole record is read.
    /// </summary>
    private static IEnumerable<GraphQLField?> Fields(GraphQLDocument document, GraphQLSelectionSet? selectionSet, int depth)
    {
        if (selectionSet is null)
        {
            yield break;
        }

        if (depth > MaxDepth)
        {
            yield return null;
            yield break;
        }

        foreach (var selection in selectionSet.Selections)
        {
            var inner = selection switch
            {
                GraphQLField field => null,
                GraphQLInlineFragment inline => inline.SelectionSet,
                GraphQLFragmentSpread spread => document.Definitions.OfType<GraphQLFragmentDefinition>()
                    .FirstOrDefault(f => f.FragmentName.Name.Value == spread.FragmentName.Name.Value)?.SelectionSet,
                _ => null,
            };
            if (selection is GraphQLField selected)
            {
                yield return selected;
            }

            foreach (var field in Fields(document, inner, depth + 1))
            {
                yield return field;
            }
        }
    }

    private sealed record Cached(FieldType Definition, RecordProjection? Projection);
}
