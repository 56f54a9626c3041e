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
    private const string ReferenceKey = "crm:reference";

    /// <summary>Fragments nest at most this deep here (validation already refuses cycles; this only bounds the walk).</summary>
    private const int MaxDepth = 32;

    // Per field node of a document: its siblings under one list (and the same node again when the
    // document is reused) resolve with the walk done once. Keyed weakly: gone with the document.
    private static readonly ConditionalWeakTable<GraphQLField, Cached> ByField = [];
    private static readonly ConditionalWeakTable<GraphQLField, UnionMembers> ByUnionField = [];
    private static readonly ConditionalWeakTable<GraphQLField, CachedReferences> ReferencesByField = [];

    /// <summary>Declares the record properties <paramref name="field"/>'s resolver reads from its source record.</summary>
    public static FieldType Reads(this FieldType field, params IEnumerable<string> properties)
    {
        field.Metadata[ReadsKey] = properties.ToArray();
        return field;
    }

    /// <summary>Marks <paramref name="field"/> as showing the record its to-one reference <paramref name="reference"/> names: a read by id may join it (<see cref="ReferencesOf"/>).</summary>
    public static FieldType ShowsReference(this FieldType field, EntityField reference)
    {
        field.Metadata[ReferenceKey] = reference;
        return field;
    }

    /// <summary>
    /// The to-one references the record of the field being resolved shows (<c>deal(id:) { company { title } }</c>),
    /// each once per distinct selection, with the projection its own field will ask its loader for;
    /// empty when there are none or the selection nests too deep to tell.
    /// </summary>
    public static IReadOnlyList<SelectedReference> ReferencesOf(IResolveFieldContext context, IEntityRegistry registry)
    {
        var node = context.FieldAst;
        if (ReferencesByField.TryGetValue(node, out var cached) && ReferenceEquals(cached.Definition, context.FieldDefinition))
        {
            return cached.References;
        }

        var references = new List<SelectedReference>();
        if (RecordType(context.FieldDefinition.ResolvedType, connection: false) is { } recordType)
        {
            foreach (var field in Fields(context.Document, node.SelectionSet, 0))
            {
                if (field is null)
                {
                    references.Clear();
                    break;
                }

                if (recordType.GetField(field.Name.Value) is { } definition && definition.Metadata.TryGetValue(ReferenceKey, out var value)
                    && value is EntityField reference && registry.Find(reference.ReferenceType!) is ICrmEntityDefinition target
                    && OfField(context.Document, field, definition) is { } projection
                    && !references.Any(r => r.Field == reference && r.Projection.Key == projection.Key))
                {
                    references.Add(new SelectedReference(reference, target, projection));
                }
            }
        }

        ReferencesByField.AddOrUpdate(node, new CachedReferences(context.FieldDefinition, references));
        return references;
    }

    /// <summary>The projection of the record <paramref name="definition"/> returns at <paramref name="node"/>: what <see cref="OfRecord"/> gives its resolver there.</summary>
    private static RecordProjection? OfField(GraphQLDocument document, GraphQLField node, FieldType definition)
    {
        if (ByField.TryGetValue(node, out var cached) && ReferenceEquals(cached.Definition, definition))
        {
            return cached.Projection;
        }

        var projection = RecordType(definition.ResolvedType, connection: false) is { } recordType ? Projection(document, [node.SelectionSet], recordType) : null;
        ByField.AddOrUpdate(node, new Cached(definition, projection));
        return projection;
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

    /// <summary>
    /// The projection of a record of the GraphQL object type <paramref name="graphTypeName"/> that a
    /// field of the union <c>CrmRecord</c> returns: only the fragments that apply to that type count
    /// (<c>... on Deal { title }</c> reads a deal's title and nothing of a contact); null for the whole record.
    /// </summary>
    public static RecordProjection? OfUnionMember(IResolveFieldContext context, string graphTypeName)
    {
        var field = context.FieldAst;
        var members = ByUnionField.GetValue(field, _ => new UnionMembers(context.FieldDefinition));
        if (!ReferenceEquals(members.Definition, context.FieldDefinition))
        {
            // The same document against a schema swapped in since: made again for this one.
            members = new UnionMembers(context.FieldDefinition);
            ByUnionField.AddOrUpdate(field, members);
        }

        return members.Projections.GetOrAdd(graphTypeName, static (name, context) =>
        {
            var schema = context.Schema;
            if (schema.AllTypes[name] is not IComplexGraphType recordType)
            {
                return null;
            }

            // A fragment on another object type is not this record's; one on the union itself (or
            // an interface) may be, and counts.
            bool Applies(string condition) => condition == name || schema.AllTypes[condition] is not IObjectGraphType;
            return Projection(context.Document, [context.FieldAst.SelectionSet], recordType, Applies);
        }, context);
    }

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

    private static RecordProjection? Projection(GraphQLDocument document, IEnumerable<GraphQLSelectionSet?> selections, IComplexGraphType recordType,
        Func<string, bool>? applies = null)
    {
        var properties = new HashSet<string>(StringComparer.Ordinal);
        foreach (var selection in selections)
        {
            foreach (var field in Fields(document, selection, 0, applies))
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
    /// <param name="document">The document the fragments are defined in.</param>
    /// <param name="selectionSet">The selection to walk.</param>
    /// <param name="depth">How deep in fragments the walk is.</param>
    /// <param name="applies">Given: whether a fragment with this type condition applies (the others are skipped); not given: every fragment does.</param>
    private static IEnumerable<GraphQLField?> Fields(GraphQLDocument document, GraphQLSelectionSet? selectionSet, int depth, Func<string, bool>? applies = null)
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
            var (inner, condition) = selection switch
            {
                GraphQLInlineFragment inline => (inline.SelectionSet, inline.TypeCondition),
                GraphQLFragmentSpread spread => document.Definitions.OfType<GraphQLFragmentDefinition>()
                    .FirstOrDefault(f => f.FragmentName.Name.Value == spread.FragmentName.Name.Value) is { } fragment
                    ? (fragment.SelectionSet, fragment.TypeCondition)
                    : (null, null),
                _ => ((GraphQLSelectionSet?)null, (GraphQLTypeCondition?)null),
            };
            if (applies is not null && condition is not null && !applies(condition.Type.Name.StringValue))
            {
                continue;
            }

            if (selection is GraphQLField selected)
            {
                yield return selected;
            }

            foreach (var field in Fields(document, inner, depth + 1, applies))
            {
                yield return field;
            }
        }
    }

    private sealed record Cached(FieldType Definition, RecordProjection? Projection);

    private sealed record CachedReferences(FieldType Definition, IReadOnlyList<SelectedReference> References);

    private sealed class UnionMembers(FieldType definition)
    {
        public FieldType Definition { get; } = definition;

        public System.Collections.Concurrent.ConcurrentDictionary<string, RecordProjection?> Projections { get; } = new(StringComparer.Ordinal);
    }
}
