using System.Globalization;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// Builds one GraphQL schema from the registered entity definitions and the contributors of
/// every loaded module. Entity types come first, so that contributors can extend them (a
/// relation adds <c>Contact.companies</c> without the Contacts module knowing the Company type).
/// </summary>
/// <remarks>
/// The composer orchestrates; each kind of type has its factory: record types
/// (<see cref="RecordTypeFactory"/>, <see cref="CustomFieldGraphTypes"/>, <see cref="RelatedRecordFields"/>),
/// filter and sort inputs (<see cref="FilterInputFactory"/>, <see cref="SortInputFactory"/>), connections
/// and payloads (<see cref="ConnectionTypeFactory"/>, <see cref="PayloadTypeFactory"/>), create and update
/// inputs (<see cref="RecordInputFactory"/>) and the root fields (<see cref="RecordRootFields"/>).
/// What it shows of custom fields is the host's choice, given when it is made.
/// </remarks>
public sealed class SchemaComposer
{
    private readonly Dictionary<string, ObjectGraphType> _entityTypes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InputObjectGraphType> _updateInputs = new(StringComparer.Ordinal);
    private readonly List<IGraphType> _extraTypes = [];

    private readonly RecordTypeFactory _recordTypes;
    private readonly RecordInputFactory _inputs;
    private readonly RecordRootFields _rootFields;
    private readonly RelatedRecordFields _related;

    /// <param name="rootServices">The host's services.</param>
    /// <param name="customFields">The custom field definitions the schema shows (the host's choice: none for the committed schema).</param>
    internal SchemaComposer(IServiceProvider rootServices, CustomFieldSnapshot customFields)
    {
        RootServices = rootServices;
        Registry = rootServices.GetRequiredService<IEntityRegistry>();
        Limits = rootServices.GetRequiredService<QueryLimits>();
        CustomFields = customFields;
        Query = new ObjectGraphType { Name = "Query", Description = "Reads." };
        Mutation = new ObjectGraphType { Name = "Mutation", Description = "Changes; each returns a payload with the result or the reasons it was refused." };
        Subscription = new ObjectGraphType { Name = "Subscription", Description = "Live events, over WebSocket (graphql-transport-ws) only." };
        var customTypes = new CustomFieldGraphTypes(Types, Registry);
        _related = new RelatedRecordFields(rootServices, Types, Limits);
        _recordTypes = new RecordTypeFactory(Types, Registry, customTypes, _related);
        _inputs = new RecordInputFactory(Types, customTypes);
        _rootFields = new RecordRootFields(Query, Mutation, Types, Limits);
    }

    public IServiceProvider RootServices { get; }

    public IEntityRegistry Registry { get; }

    public QueryLimits Limits { get; }

    public ObjectGraphType Query { get; }

    public ObjectGraphType Mutation { get; }

    /// <summary>The subscription root; a module adds to it with <see cref="AddLiveField{TItem}"/>.</summary>
    public ObjectGraphType Subscription { get; }

    /// <summary>Adds a subscription root field over a live source (see <see cref="Live.LiveField{TItem}"/>); the host does the rest.</summary>
    public FieldType AddLiveField<TItem>(Live.LiveField<TItem> field) where TItem : class =>
        Subscription.AddField(Live.LiveFields.Create(field));

    public SharedGraphTypes Types { get; } = new();

    /// <summary>The custom field definitions this schema shows; requests on it run with them.</summary>
    public CustomFieldSnapshot CustomFields { get; }

    /// <summary>The key of the schema's metadata entry that holds its <see cref="CustomFieldSnapshot"/>.</summary>
    internal const string CustomFieldsMetadataKey = "crm:customFields";

    /// <summary>The entity type's name in <c>CrmEntityType</c>: "deal" is DEAL.</summary>
    internal static string EntityTypeEnumName(string entityName) => Data.ModelConventions.ToSnakeCase(entityName).ToUpperInvariant();

    /// <summary>The object type of a registered entity, to add fields to.</summary>
    public ObjectGraphType EntityType(string entityName) =>
        _entityTypes.TryGetValue(entityName, out var type)
            ? type
            : throw new InvalidOperationException($"The entity type '{entityName}' is not part of this schema.");

    /// <summary>
    /// The input of a registered entity's update (<c>UpdateDealInput</c>): every writable field,
    /// custom fields included, all optional. For other mutations that take a record's fields, such
    /// as lead conversion's records to create.
    /// </summary>
    public InputObjectGraphType UpdateInput(string entityName) =>
        _updateInputs.TryGetValue(entityName, out var input)
            ? input
            : throw new InvalidOperationException($"The entity type '{entityName}' is not part of this schema.");

    /// <summary>
    /// Adds a type that no field names (an object type implementing an interface, met only through
    /// the interface): GraphQL finds a field's types by walking from the root fields, so such a type
    /// must be told to the schema.
    /// </summary>
    public void AddType(IGraphType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        _extraTypes.Add(type);
    }

    /// <summary>
    /// Adds to <paramref name="type"/> the field <paramref name="name"/> showing the user that
    /// <paramref name="userId"/> names (null: none), as the module that keeps users shows them
    /// (<c>User</c>), loaded in one batch per level with every other user field (<c>assignedBy</c>
    /// ...). Added once every contributor ran, and not at all when no module keeps users.
    /// </summary>
    public void AddUserField<TSource>(IComplexGraphType type, string name, string description, Func<TSource, long?> userId) =>
        _related.AddUserField(type, name, description, userId);

    /// <summary>As <see cref="AddUserField{TSource}"/>, for a list of user ids: the users that exist, in the order given, repeated ids once.</summary>
    public void AddUsersField<TSource>(IComplexGraphType type, string name, string description, Func<TSource, IEnumerable<long>> userIds) =>
        _related.AddUsersField(type, name, description, userIds);

    /// <summary>Whether an entity type is part of this schema (its module may be missing or refused).</summary>
    public bool HasEntityType(string entityName) => _entityTypes.ContainsKey(entityName);

    /// <summary>
    /// Composes the schema. A definition or contributor that throws is reported as a
    /// <see cref="SchemaContributionException"/> naming its assembly, so that the host can leave
    /// that module out and compose again.
    /// </summary>
    internal ISchema Compose(IEnumerable<ISchemaContributor> contributors, IReadOnlySet<System.Reflection.Assembly>? excluded = null)
    {
        bool Included(object part) => excluded is null || !excluded.Contains(part.GetType().Assembly);
        var definitions = Registry.Types.OfType<ICrmEntityDefinition>().Where(Included).ToList();
        var entityTypeEnum = new EnumerationGraphType { Name = "CrmEntityType", Description = "The CRM record types, built-in and from plugins." };
        var union = new UnionGraphType { Name = "CrmRecord", Description = "A record of any CRM type." };
        foreach (var definition in definitions)
        {
            // Builds the module's EF model: the module's own code, which may throw like a contributor.
            Guard(definition, () => definition.BindModel(RootServices));
            var objectType = new ObjectGraphType { Name = definition.GraphTypeName, Description = definition.Description };
            _entityTypes[definition.Name] = objectType;
            entityTypeEnum.Add(EntityTypeEnumName(definition.Name), definition.Name, definition.Description);
            union.AddPossibleType(objectType);
        }

        union.ResolveType = record => definitions.FirstOrDefault(d => d.RecordType == record.GetType()) is { } d ? _entityTypes[d.Name] : null;
        Types.CrmEntityType = entityTypeEnum;
        Types.CrmRecord = definitions.Count > 0 ? union : null;

        foreach (var definition in definitions)
        {
            Guard(definition, () => AddEntity(definition));
        }

        // Like CrmRecord: without a record type (every module left out) there is no CrmEntityType
        // value to name one by, and GraphQL refuses an empty enumeration.
        if (definitions.Count > 0)
        {
            EntityMetadataFields.Add(this, new Metadata.EntityMetadataCatalog(definitions, CustomFields, Mutation, HasEntityType));
        }

        foreach (var contributor in contributors.Where(Included))
        {
            Guard(contributor, () => contributor.Contribute(this));
        }

        _related.AddUserFields(definitions, CustomFields, EntityTypeOrNull);

        var schema = new Schema(new SchemaTypeActivator(RootServices))
        {
            Query = Query,
            Mutation = Mutation.Fields.Count > 0 ? Mutation : null,
            Subscription = Subscription.Fields.Count > 0 ? Subscription : null,
            Description = "Crm.Platform: leads, contacts, companies, deals and everything linked to them.",
        };
        schema.Metadata[CustomFieldsMetadataKey] = CustomFields;
        // Renamed fields keep their former names as deprecated inputs, filters and sort keys (see FieldBuilder.Formerly).
        schema.Features.DeprecationOfInputValues = true;
        // Replaces the built-in String in every input of the schema.
        var text = new NulFreeStringGraphType();
        schema.RegisterType(text);
        foreach (var type in _extraTypes)
        {
            schema.RegisterType(type);
        }

        NulFreeInputs.Apply([Query, schema.Mutation, schema.Subscription], text);
        schema.Initialize();
        return schema;
    }

    private static void Guard(object part, Action contribute)
    {
        try
        {
            contribute();
        }
        catch (Exception ex) when (ex is not SchemaContributionException)
        {
            throw new SchemaContributionException(part.GetType().Assembly, $"{part.GetType().Name}: {ex.Message}", ex);
        }
    }

    private void AddEntity(ICrmEntityDefinition definition)
    {
        var type = _entityTypes[definition.Name];
        var fields = definition.FieldsFor(CustomFields);
        CheckDeclarations(definition);
        _recordTypes.AddFields(definition, type, fields, EntityTypeOrNull);
        var connection = ConnectionTypeFactory.Create(definition, type, Types);
        var filter = FilterInputFactory.Create(definition, fields, Types, Limits);
        var sort = SortInputFactory.Create(definition, fields, Types);
        _rootFields.AddQueries(definition, type, connection, filter, sort);
        RecordSummaryFields.Add(Query, definition, fields, filter, Types, Limits);

        var create = _inputs.Create(definition, fields, $"Create{definition.GraphTypeName}Input", forCreate: true);
        var update = _inputs.Create(definition, fields, $"Update{definition.GraphTypeName}Input", forCreate: false);
        _updateInputs[definition.Name] = update;
        _rootFields.AddMutations(definition, type, create, update);
    }

    /// <summary>Declarations that can only be checked against the other modules fail the module's composition, with the reason.</summary>
    private void CheckDeclarations(ICrmEntityDefinition definition) => _ = definition.SearchLinkTargets(RootServices);

    private ObjectGraphType? EntityTypeOrNull(string entityName) => _entityTypes.GetValueOrDefault(entityName);

    public static IGraphType NonNullList(IGraphType itemType) => new NonNullGraphType(new ListGraphType(new NonNullGraphType(itemType)));

    /// <summary>
    /// Creates the graph types a schema refers to by CLR type. Each schema gets its own
    /// instances, so that two schemas (before and after a swap) never share one.
    /// </summary>
    private sealed class SchemaTypeActivator(IServiceProvider root) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            typeof(IGraphType).IsAssignableFrom(serviceType)
                ? ActivatorUtilities.CreateInstance(root, serviceType)
                : root.GetService(serviceType);
    }
}

/// <summary>A module's part of the schema could not be composed.</summary>
internal sealed class SchemaContributionException(System.Reflection.Assembly source, string message, Exception inner) : Exception(message, inner)
{
    public System.Reflection.Assembly Module { get; } = source;
}
