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
public sealed partial class SchemaComposer
{
    private readonly Dictionary<string, ObjectGraphType> _entityTypes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InputObjectGraphType> _updateInputs = new(StringComparer.Ordinal);

    public SchemaComposer(IServiceProvider rootServices)
    {
        RootServices = rootServices;
        Registry = rootServices.GetRequiredService<IEntityRegistry>();
        Limits = rootServices.GetRequiredService<QueryLimits>();
        Query = new ObjectGraphType { Name = "Query", Description = "Reads." };
        Mutation = new ObjectGraphType { Name = "Mutation", Description = "Changes; each returns a payload with the result or the reasons it was refused." };
    }

    public IServiceProvider RootServices { get; }

    public IEntityRegistry Registry { get; }

    public QueryLimits Limits { get; }

    public ObjectGraphType Query { get; }

    public ObjectGraphType Mutation { get; }

    public SharedGraphTypes Types { get; } = new();

    /// <summary>The custom field definitions this schema shows; requests on it run with them.</summary>
    public CustomFieldSnapshot CustomFields { get; private set; } = CustomFieldSnapshot.Empty;

    /// <summary>The key of the schema's metadata entry that holds its <see cref="CustomFieldSnapshot"/>.</summary>
    public const string CustomFieldsMetadataKey = "crm:customFields";

    /// <summary>The entity type's name in <c>CrmEntityType</c>: "deal" is DEAL.</summary>
    public static string EntityTypeEnumName(string entityName) => Data.ModelConventions.ToSnakeCase(entityName).ToUpperInvariant();

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

    /// <summary>Whether an entity type is part of this schema (its module may be missing or refused).</summary>
    public bool HasEntityType(string entityName) => _entityTypes.ContainsKey(entityName);

    /// <summary>
    /// Composes the schema. A definition or contributor that throws is reported as a
    /// <see cref="SchemaContributionException"/> naming its assembly, so that the host can leave
    /// that module out and compose again.
    /// </summary>
    public ISchema Compose(IEnumerable<ISchemaContributor> contributors, IReadOnlySet<System.Reflection.Assembly>? excluded = null)
    {
        bool Included(object part) => excluded is null || !excluded.Contains(part.GetType().Assembly);
        var definitions = Registry.Types.OfType<ICrmEntityDefinition>().Where(Included).ToList();
        // The committed schema (crm schema export) is the platform's own, without any database's custom fields.
        var withCustomFields = RootServices.GetService<Microsoft.Extensions.Configuration.IConfiguration>()?["GraphQL:CustomFields"] is not "false";
        CustomFields = withCustomFields ? RootServices.GetService<ICustomFieldCatalog>()?.Current ?? CustomFieldSnapshot.Empty : CustomFieldSnapshot.Empty;
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

        foreach (var contributor in contributors.Where(Included))
        {
            Guard(contributor, () => contributor.Contribute(this));
        }

        AddUserFields(definitions);

        var schema = new Schema(new SchemaTypeActivator(RootServices))
        {
            Query = Query,
            Mutation = Mutation.Fields.Count > 0 ? Mutation : null,
            Description = "Crm.Platform: leads, contacts, companies, deals and everything linked to them.",
        };
        schema.Metadata[CustomFieldsMetadataKey] = CustomFields;
        // Renamed fields keep their former names as deprecated inputs, filters and sort keys (see FieldBuilder.Formerly).
        schema.Features.DeprecationOfInputValues = true;
        // Replaces the built-in String in every input of the schema.
        var text = new NulFreeStringGraphType();
        schema.RegisterType(text);
        NulFreeInputs.Apply([Query, schema.Mutation], text);
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
        foreach (var field in fields.Values)
        {
            var output = type.AddField(field.Custom is { } custom ? CustomOutputField(field, custom) : OutputField(field));
            AddFormerName(type, field, output);
            if (field.ReferenceField is not null && _entityTypes.TryGetValue(field.ReferenceType!, out var referenced))
            {
                AddFormerObjectField(type, field, type.AddField(ReferenceField(field, referenced)));
                AddBackReference(definition, type, field, referenced);
            }

            if (field.ListField is not null)
            {
                AddFormerObjectField(type, field, type.AddField(ListItemField(field)));
            }
        }

        var pascalPlural = char.ToUpperInvariant(definition.PluralName[0]) + definition.PluralName[1..];
        var edge = new ObjectGraphType { Name = $"{pascalPlural}Edge", Description = $"A {definition.Name} in a list, with its cursor." };
        edge.AddField(SharedGraphTypes.Field<Edge>("cursor", typeof(NonNullGraphType<StringGraphType>), e => e.Cursor));
        edge.AddField(new FieldType { Name = "node", ResolvedType = new NonNullGraphType(type), Resolver = new FuncFieldResolver<object?>(c => ((Edge)c.Source!).Node) });

        var connection = new ObjectGraphType { Name = $"{pascalPlural}Connection", Description = $"A page of {definition.PluralName}." };
        connection.AddField(new FieldType { Name = "nodes", ResolvedType = NonNullList(type), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).Edges.Select(e => e.Node)) });
        connection.AddField(new FieldType { Name = "edges", ResolvedType = NonNullList(edge), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).Edges) });
        connection.AddField(new FieldType { Name = "pageInfo", ResolvedType = new NonNullGraphType(Types.PageInfo), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).PageInfo) });
        connection.AddField(SharedGraphTypes.Field<Connection>("totalCount", typeof(NonNullGraphType<IntGraphType>), c => c.TotalCount, "How many records match the filter, in all pages. Counted only when asked for."));

        var filter = new InputObjectGraphType
        {
            Name = $"{definition.GraphTypeName}FilterInput",
            Description = $"Conditions on {definition.PluralName}; all given must hold. At most {Limits.MaxFilterTerms} conditions and {Limits.MaxFilterValues} values in in/nin lists.",
        };
        FilterLimits.MarkAsFilter(filter);
        filter.AddField(new FieldType { Name = FilterCompiler.And, ResolvedType = new ListGraphType(new NonNullGraphType(filter)), Description = "All of these hold." });
        filter.AddField(new FieldType { Name = FilterCompiler.Or, ResolvedType = new ListGraphType(new NonNullGraphType(filter)), Description = "At least one of these holds." });
        foreach (var field in fields.Values.Where(f => f.Filterable))
        {
            AddFormerName(filter, field, filter.AddField(new FieldType
            {
                Name = field.Name,
                ResolvedType = field.Kind == FieldKind.ContactPoints ? Types.ContactPointsFilter(field.PointKind) : Types.OperationFilter(field.Kind),
            }));
        }

        var sort = new InputObjectGraphType { Name = $"{definition.GraphTypeName}SortInput", Description = $"One sort key for {definition.PluralName}; give one field per list item." };
        foreach (var field in fields.Values.Where(f => f.Sortable))
        {
            AddFormerName(sort, field, sort.AddField(new FieldType { Name = field.Name, ResolvedType = Types.SortEnum }));
        }

        AddQueries(definition, type, connection, filter, sort);
        AddMutations(definition, type, fields);
    }

    private void AddQueries(ICrmEntityDefinition definition, ObjectGraphType type, ObjectGraphType connection, InputObjectGraphType filter, InputObjectGraphType sort)
    {
        Query.AddField(new FieldType
        {
            Name = definition.Name,
            Description = $"One {definition.Name} by id.",
            ResolvedType = type,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                var id = RecordIds.Parse(context.GetArgument<object>("id"), "id", definition.Name);
                return await definition.GetAsync(context.RequestServices!, id, context.CancellationToken)
                    ?? throw (definition.ReachesAll(context.RequestServices!, Security.PermissionAction.Read)
                        ? Refusals.NotFoundError(definition.Name, id)
                        : Refusals.ForbiddenError("read", definition.Name, id));
            }),
        });

        var list = Query.AddField(new FieldType
        {
            Name = definition.PluralName,
            Description = $"A page of {definition.PluralName}, filtered and sorted. Without 'first' or 'last' a page holds {Limits.DefaultPageSize}; at most {Limits.MaxPageSize}.",
            ResolvedType = new NonNullGraphType(connection),
            Arguments = new QueryArguments(
                new QueryArgument(filter) { Name = "where" },
                new QueryArgument(new ListGraphType(new NonNullGraphType(sort))) { Name = "order" },
                new QueryArgument<IntGraphType> { Name = "first", Description = "The first n records (after 'after')." },
                new QueryArgument<StringGraphType> { Name = "after", Description = "A cursor; the page starts after it." },
                new QueryArgument<IntGraphType> { Name = "last", Description = "The last n records (before 'before')." },
                new QueryArgument<StringGraphType> { Name = "before", Description = "A cursor; the page ends before it." }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                var order = context.GetArgument<List<object?>?>("order")?
                    .OfType<IDictionary<string, object?>>()
                    .Select(o => (IReadOnlyDictionary<string, object?>)o.AsReadOnly())
                    .ToList();
                var arguments = new ListArguments(
                    context.GetArgument<Dictionary<string, object?>?>("where"),
                    order,
                    context.GetArgument<int?>("first"),
                    context.GetArgument<string?>("after"),
                    context.GetArgument<int?>("last"),
                    context.GetArgument<string?>("before"),
                    context.GetArgument<string?>("search"));
                // SubFields is keyed by response name: look for the field itself, aliased or not.
                var withTotal = context.SubFields?.Values.Any(f => f.FieldType.Name == "totalCount") == true;
                return await definition.ListAsync(context.RequestServices!, arguments, withTotal, context.CancellationToken);
            }),
        });
        if (definition.Searchable)
        {
            list.Arguments!.Add(FilterLimits.MarkAsSearch(new QueryArgument<StringGraphType>
            {
                Name = "search",
                Description = $"Finds records by name, title, e-mail or phone{(definition.SearchLinkNames.Count == 0 ? "" : ", or by the titles of their " + string.Join(" and ", definition.SearchLinkNames))}: every word must appear; a phone number matches however it is written. At most {Limits.MaxSearchLength} characters.",
            }));
        }
    }

    private void AddMutations(ICrmEntityDefinition definition, ObjectGraphType type, IReadOnlyDictionary<string, EntityField> fields)
    {
        var graphName = definition.GraphTypeName;
        var create = Input(definition, fields, $"Create{graphName}Input", forCreate: true);
        var update = Input(definition, fields, $"Update{graphName}Input", forCreate: false);
        _updateInputs[definition.Name] = update;

        Mutation.AddField(new FieldType
        {
            Name = $"create{graphName}",
            Description = $"Creates a {definition.Name}.",
            ResolvedType = new NonNullGraphType(Payload(definition, type, $"Create{graphName}Payload")),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(create)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
                await definition.CreateAsync(context.RequestServices!, Arguments(context, "input"), context.CancellationToken)),
        });

        Mutation.AddField(new FieldType
        {
            Name = $"update{graphName}",
            Description = $"Changes the given fields of a {definition.Name}; fields left out keep their values, null clears them.",
            ResolvedType = new NonNullGraphType(Payload(definition, type, $"Update{graphName}Payload")),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(update)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                if (!RecordIds.TryParse(context.GetArgument<object>("id"), out var id))
                {
                    return InvalidId(context.GetArgument<object>("id"), definition.Name);
                }

                return await definition.UpdateAsync(context.RequestServices!, id, Arguments(context, "input"), context.CancellationToken);
            }),
        });

        var deletePayload = new ObjectGraphType { Name = $"Delete{graphName}Payload", Description = $"The outcome of deleting a {definition.Name}." };
        deletePayload.AddField(SharedGraphTypes.Field<MutationPayload>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture), "The id of the deleted record; null when refused."));
        deletePayload.AddField(new FieldType { Name = "errors", ResolvedType = NonNullList(Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Errors) });
        Mutation.AddField(new FieldType
        {
            Name = $"delete{graphName}",
            Description = $"Deletes a {definition.Name}.",
            ResolvedType = new NonNullGraphType(deletePayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                if (!RecordIds.TryParse(context.GetArgument<object>("id"), out var id))
                {
                    return InvalidId(context.GetArgument<object>("id"), definition.Name);
                }

                return await definition.DeleteAsync(context.RequestServices!, id, context.CancellationToken);
            }),
        });
    }

    private ObjectGraphType Payload(ICrmEntityDefinition definition, ObjectGraphType type, string name)
    {
        var payload = new ObjectGraphType { Name = name, Description = $"The {definition.Name} as saved, or the reasons it was not." };
        payload.AddField(new FieldType { Name = definition.Name, ResolvedType = type, Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Record) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = NonNullList(Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Errors) });
        return payload;
    }

    private InputObjectGraphType Input(ICrmEntityDefinition definition, IReadOnlyDictionary<string, EntityField> fields, string name, bool forCreate)
    {
        var input = new InputObjectGraphType { Name = name, Description = forCreate ? $"A new {definition.Name}." : $"Changes to a {definition.Name}: only the fields given change." };
        foreach (var field in fields.Values.Where(f => f.Writable))
        {
            if (field.Custom is { } custom)
            {
                // Mandatory custom fields stay nullable here: a default may fill them, and the
                // binder names the field when one is missing.
                input.AddField(new FieldType { Name = field.Name, ResolvedType = CustomInputType(custom), Description = Describe(custom) });
                continue;
            }

            IGraphType? resolved = field.Kind switch
            {
                FieldKind.ContactPoints => new ListGraphType(new NonNullGraphType(Types.ContactPointInput(field.PointKind))),
                FieldKind.Address => Types.AddressInput,
                _ => null,
            };
            var scalar = resolved is null ? ScalarType(field.Kind) : null;
            // A field that may also be given under its former name cannot be required by the type: the binder says it is missing.
            if (forCreate && field.Required && scalar is not null && field.FormerName is null)
            {
                scalar = typeof(NonNullGraphType<>).MakeGenericType(scalar);
            }

            AddFormerName(input, field, input.AddField(new FieldType { Name = field.Name, Type = scalar, ResolvedType = resolved, Description = field.Description }));
        }

        foreach (var extra in definition.InputOnlyFields)
        {
            input.AddField(new FieldType { Name = extra.Name, Type = typeof(ListGraphType<NonNullGraphType<IdGraphType>>), Description = extra.Description });
        }

        return input;
    }

    private static string Describe(CustomFieldSpec spec) =>
        $"{spec.Label} (custom field {spec.Code}, {spec.Type.ToString().ToUpperInvariant()}{(spec.Multiple ? ", multiple" : "")}{(spec.Mandatory ? ", mandatory" : "")}).";

    /// <summary>The GraphQL type of one value of a custom field, as shown or (<paramref name="input"/>) as written.</summary>
    private IGraphType CustomValueType(CustomFieldSpec spec, bool input) => spec.Type switch
    {
        CustomFieldType.Integer => new LongGraphType(),
        CustomFieldType.Number => new DecimalGraphType(),
        CustomFieldType.Boolean => new BooleanGraphType(),
        CustomFieldType.Date => new DateGraphType(),
        CustomFieldType.DateTime => new DateTimeGraphType(),
        CustomFieldType.Money => input ? Types.MoneyInput : Types.Money,
        CustomFieldType.Enumeration => input ? new IdGraphType() : Types.CustomFieldItem,
        CustomFieldType.Employee => new IdGraphType(),
        CustomFieldType.Crm => input ? Types.CrmRecordReferenceInput : CrmRecordReferenceType(),
        CustomFieldType.Address => input ? Types.AddressInput : Types.Address,
        _ => new StringGraphType(),
    };

    private IGraphType CustomInputType(CustomFieldSpec spec)
    {
        var one = CustomValueType(spec, input: true);
        return spec.Multiple ? new ListGraphType(new NonNullGraphType(one)) : one;
    }

    private FieldType CustomOutputField(EntityField field, CustomFieldSpec spec)
    {
        var one = CustomValueType(spec, input: false);
        return new FieldType
        {
            Name = field.Name,
            Description = Describe(spec),
            ResolvedType = spec.Multiple ? NonNullList(one) : one,
            Resolver = new FuncFieldResolver<object?>(c => (field.Get(c.Source!), spec.Type) switch
            {
                (long id, CustomFieldType.Employee) => id.ToString(CultureInfo.InvariantCulture),
                (List<object?> ids, CustomFieldType.Employee) => ids.Select(i => ((long)i!).ToString(CultureInfo.InvariantCulture)).ToList(),
                (var value, _) => value,
            }),
        };
    }

    /// <summary><c>CrmRecordReference { entityType id record }</c>: a CRM link's value; <c>record</c> is loaded in batches.</summary>
    private IGraphType CrmRecordReferenceType() => Types.GetOrAdd("CrmRecordReference", () =>
    {
        var type = new ObjectGraphType { Name = "CrmRecordReference", Description = "A link to a record of some CRM type." };
        type.AddField(new FieldType
        {
            Name = "entityType",
            ResolvedType = new NonNullGraphType(Types.CrmEntityType),
            Resolver = new FuncFieldResolver<object?>(c => ((CrmRecordReference)c.Source!).EntityType),
        });
        type.AddField(SharedGraphTypes.Field<CrmRecordReference>("id", typeof(NonNullGraphType<IdGraphType>), r => r.Id.ToString(CultureInfo.InvariantCulture)));
        if (Types.CrmRecord is { } union)
        {
            type.AddField(new FieldType
            {
                Name = "record",
                Description = "The linked record; null when it no longer exists, and null with a FORBIDDEN error when the caller may not read it.",
                ResolvedType = union,
                Resolver = new FuncFieldResolver<object?>(c =>
                {
                    var reference = (CrmRecordReference)c.Source!;
                    return Registry.Find(reference.EntityType) is null ? null : ReferencedRecord(c, reference.EntityType, reference.Id);
                }),
            });
        }

        return type;
    });

    /// <summary>The record an id field points to, loaded in batches through the registry.</summary>
    private FieldType ReferenceField(EntityField field, ObjectGraphType referenced) => new()
    {
        Name = field.ReferenceField!,
        Description = $"The {field.ReferenceType} that '{field.Name}' names.",
        ResolvedType = referenced,
        Resolver = new FuncFieldResolver<object?>(context => field.Get(context.Source!) switch
        {
            long id => ReferencedRecord(context, field.ReferenceType!, id),
            int id => ReferencedRecord(context, field.ReferenceType!, id),
            _ => null,
        }),
    };

    /// <summary>
    /// The record an id names, or, when the caller may not read it, null with a FORBIDDEN error
    /// at this field (which tells nothing of the record beyond the id the caller already sees).
    /// </summary>
    private object ReferencedRecord(IResolveFieldContext context, string type, long id)
    {
        var services = context.RequestServices!;
        return new ChainedResult<object?>(Registry.Load(services, type, id), record =>
            record is not null || Registry.Find(type) is not ICrmEntityDefinition definition || definition.ReachesAll(services, Security.PermissionAction.Read)
                ? record
                : throw Refusals.ForbiddenError("read", type, id));
    }

    /// <summary>The selection list item a list field holds.</summary>
    private FieldType ListItemField(EntityField field) => new()
    {
        Name = field.ListField!,
        Description = $"The list item that '{field.Name}' names.",
        ResolvedType = Types.SelectionListItem,
        Resolver = new FuncFieldResolver<object?>(async context =>
        {
            if (field.Get(context.Source!) is not string value || context.RequestServices!.GetService<Lists.ISelectionLists>() is not { } lists)
            {
                return null;
            }

            var items = await lists.GetItemsAsync(field.ListOf!(context.Source!), context.CancellationToken);
            return items.FirstOrDefault(i => i.Id == value);
        }),
    };

    private FieldType OutputField(EntityField field)
    {
        var fieldType = new FieldType { Name = field.Name, Description = field.Description };
        switch (field.Kind)
        {
            case FieldKind.ContactPoints:
                fieldType.ResolvedType = NonNullList(Types.ContactPoint(field.PointKind));
                fieldType.Resolver = new FuncFieldResolver<object?>(c => field.Get(c.Source!) ?? new List<ContactPoint>());
                break;
            case FieldKind.Address:
                fieldType.ResolvedType = Types.Address;
                fieldType.Resolver = new FuncFieldResolver<object?>(c => field.Get(c.Source!));
                break;
            case FieldKind.Id:
                fieldType.Type = field.IsNullable ? typeof(IdGraphType) : typeof(NonNullGraphType<IdGraphType>);
                fieldType.Resolver = new FuncFieldResolver<object?>(c => field.Get(c.Source!) is IFormattable id ? id.ToString(null, CultureInfo.InvariantCulture) : null);
                break;
            default:
                var scalar = ScalarType(field.Kind);
                fieldType.Type = field.IsNullable ? scalar : typeof(NonNullGraphType<>).MakeGenericType(scalar);
                fieldType.Resolver = new FuncFieldResolver<object?>(c => field.Get(c.Source!));
                break;
        }

        return fieldType;
    }

    private static Type ScalarType(FieldKind kind) => kind switch
    {
        FieldKind.String => typeof(StringGraphType),
        FieldKind.Int => typeof(IntGraphType),
        FieldKind.Long => typeof(LongGraphType),
        FieldKind.Decimal => typeof(DecimalGraphType),
        FieldKind.Boolean => typeof(BooleanGraphType),
        FieldKind.Date => typeof(DateGraphType),
        FieldKind.DateTime => typeof(DateTimeGraphType),
        FieldKind.Id => typeof(IdGraphType),
        _ => throw new NotSupportedException($"No scalar for {kind}."),
    };

    public static IGraphType NonNullList(IGraphType itemType) => new NonNullGraphType(new ListGraphType(new NonNullGraphType(itemType)));

    private static IReadOnlyDictionary<string, object?> Arguments(IResolveFieldContext context, string name) =>
        context.GetArgument<Dictionary<string, object?>>(name);

    private static MutationPayload InvalidId(object? value, string entityName) => new(null, [RecordIds.Invalid(value, entityName, "id")]);

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
public sealed class SchemaContributionException(System.Reflection.Assembly source, string message, Exception inner) : Exception(message, inner)
{
    public System.Reflection.Assembly Module { get; } = source;
}
