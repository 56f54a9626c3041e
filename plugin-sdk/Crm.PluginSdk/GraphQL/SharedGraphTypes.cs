using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// The types every entity shares (UserError, PageInfo, filter operators, phones and e-mails,
/// addresses), created once per composed schema.
/// </summary>
public sealed class SharedGraphTypes
{
    private readonly Dictionary<string, IGraphType> _types = new(StringComparer.Ordinal);

    public IGraphType UserError => GetOrAdd("UserError", () =>
    {
        var type = new ObjectGraphType { Name = "UserError", Description = "Why a mutation refused its input." };
        type.AddField(Field<UserError>("code", typeof(NonNullGraphType<StringGraphType>), e => e.Code, "Stable, machine-readable reason, e.g. REQUIRED, TOO_LONG, NOT_FOUND."));
        type.AddField(Field<UserError>("message", typeof(NonNullGraphType<StringGraphType>), e => e.Message, "The reason, for people."));
        type.AddField(Field<UserError>("path", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), e => e.Path, "Where in the input the problem is."));
        return type;
    });

    /// <summary>Records that look like the one a mutation wrote (see <see cref="Entities.DuplicateWarning"/>).</summary>
    public IGraphType DuplicateWarning => GetOrAdd("DuplicateWarning", () =>
    {
        var type = new ObjectGraphType { Name = "DuplicateWarning", Description = "Other records of the type that share a match key with the one written." };
        type.AddField(Field<Entities.DuplicateWarning>("rule", typeof(NonNullGraphType<StringGraphType>), w => w.Rule, "EMAIL, PHONE or NAME_IN_COMPANY."));
        type.AddField(Field<Entities.DuplicateWarning>("message", typeof(NonNullGraphType<StringGraphType>), w => w.Message, "What matched, for people."));
        type.AddField(Field<Entities.DuplicateWarning>("ids", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>),
            w => w.Ids.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), "The matching records the writer may read (at most 20)."));
        return type;
    });

    /// <summary>The <c>JSON</c> scalar: any JSON value, as a <see cref="System.Text.Json.Nodes.JsonNode"/> (see <see cref="JsonGraphType"/>).</summary>
    public IGraphType Json => GetOrAdd("JSON", () => new JsonGraphType());

    public IGraphType PageInfo => GetOrAdd("PageInfo", () =>
    {
        var type = new ObjectGraphType { Name = "PageInfo", Description = "Where a page sits in its list." };
        type.AddField(Field<PageInfo>("hasNextPage", typeof(NonNullGraphType<BooleanGraphType>), p => p.HasNextPage));
        type.AddField(Field<PageInfo>("hasPreviousPage", typeof(NonNullGraphType<BooleanGraphType>), p => p.HasPreviousPage));
        type.AddField(Field<PageInfo>("startCursor", typeof(StringGraphType), p => p.StartCursor));
        type.AddField(Field<PageInfo>("endCursor", typeof(StringGraphType), p => p.EndCursor));
        return type;
    });

    public IGraphType SortEnum => GetOrAdd("SortEnumType", () =>
    {
        var type = new EnumerationGraphType { Name = "SortEnumType", Description = "The direction of one sort key." };
        type.Add("ASC", SortDirection.Ascending, "Smallest first; empty values last.");
        type.Add("DESC", SortDirection.Descending, "Largest first; empty values first.");
        return type;
    });

    public IGraphType OperationFilter(FieldKind kind)
    {
        var (name, scalar) = kind switch
        {
            FieldKind.String => ("String", typeof(StringGraphType)),
            FieldKind.Id => ("Id", typeof(IdGraphType)),
            FieldKind.Int => ("Int", typeof(IntGraphType)),
            FieldKind.Long => ("Long", typeof(LongGraphType)),
            FieldKind.Decimal => ("Decimal", typeof(DecimalGraphType)),
            FieldKind.Boolean => ("Boolean", typeof(BooleanGraphType)),
            FieldKind.Date => ("Date", typeof(DateGraphType)),
            FieldKind.DateTime => ("DateTime", typeof(DateTimeGraphType)),
            // A custom address field filters by its text, on one line.
            FieldKind.Address => ("String", typeof(StringGraphType)),
            FieldKind.RecordReference => ("CrmRecordReference", (Type?)null),
            _ => throw new NotSupportedException($"Fields of kind {kind} cannot be filtered."),
        };
        return GetOrAdd($"{name}OperationFilterInput", () =>
        {
            var type = new InputObjectGraphType { Name = $"{name}OperationFilterInput", Description = $"Conditions on a {name} field; all given must hold." };
            foreach (var op in FilterCompiler.OperatorsFor(kind))
            {
                if (scalar is null)
                {
                    // Operands that are input objects: { entityType id }.
                    type.AddField(new FieldType
                    {
                        Name = op,
                        ResolvedType = op switch
                        {
                            "in" or "nin" => new ListGraphType(new NonNullGraphType(CrmRecordReferenceInput)),
                            "isNull" => new BooleanGraphType(),
                            _ => CrmRecordReferenceInput,
                        },
                        Description = OperatorDescription(op),
                    });
                    continue;
                }

                var operandType = op switch
                {
                    "in" or "nin" => typeof(ListGraphType<>).MakeGenericType(scalar),
                    "isNull" => typeof(BooleanGraphType),
                    _ => scalar,
                };
                type.AddField(new FieldType { Name = op, Type = operandType, Description = OperatorDescription(op) });
            }

            return type;
        });
    }

    /// <summary><c>{ some: { value: { contains } valueType }, none: ... }</c> for a list of phones, e-mails ...</summary>
    public IGraphType ContactPointsFilter(ContactPointKind kind) => GetOrAdd($"{kind}ValuesFilterInput", () =>
    {
        var text = GetOrAdd("ContactPointTextFilterInput", () =>
        {
            var type = new InputObjectGraphType { Name = "ContactPointTextFilterInput", Description = "Conditions on a phone, e-mail or web value; case is ignored but for eq." };
            foreach (var op in new[] { "eq", "contains", "startsWith", "endsWith" })
            {
                type.AddField(new FieldType { Name = op, Type = typeof(StringGraphType), Description = OperatorDescription(op) });
            }

            return type;
        });
        var one = new InputObjectGraphType { Name = $"{kind}ValueFilterInput", Description = $"Conditions on one {kind.ToString().ToLowerInvariant()} value; all given must hold for the same value." };
        one.AddField(new FieldType { Name = "value", ResolvedType = text });
        one.AddField(new FieldType { Name = "valueType", ResolvedType = ContactPointType(kind) });
        var list = new InputObjectGraphType { Name = $"{kind}ValuesFilterInput", Description = $"Conditions on a record's {kind.ToString().ToLowerInvariant()} values." };
        list.AddField(new FieldType { Name = "some", ResolvedType = one, Description = "At least one value matches." });
        list.AddField(new FieldType { Name = "none", ResolvedType = one, Description = "No value matches." });
        return list;
    });

    public IGraphType ContactPoint(ContactPointKind kind) => GetOrAdd($"{kind}Value", () =>
    {
        var type = new ObjectGraphType { Name = $"{kind}Value", Description = $"One {kind.ToString().ToLowerInvariant()} value and its kind." };
        type.AddField(Field<ContactPoint>("value", typeof(NonNullGraphType<StringGraphType>), p => p.Value));
        type.AddField(new FieldType
        {
            Name = "valueType",
            ResolvedType = new NonNullGraphType(ContactPointType(kind)),
            Resolver = new global::GraphQL.Resolvers.FuncFieldResolver<object?>(c => ((ContactPoint)c.Source!).ValueType),
        });
        return type;
    });

    public IGraphType ContactPointInput(ContactPointKind kind) => GetOrAdd($"{kind}ValueInput", () =>
    {
        var type = new InputObjectGraphType { Name = $"{kind}ValueInput", Description = $"One {kind.ToString().ToLowerInvariant()} value and its kind ({InputBinder.ValueTypes(kind)[0]} when left out)." };
        type.AddField(new FieldType { Name = "value", Type = typeof(NonNullGraphType<StringGraphType>) });
        type.AddField(new FieldType { Name = "valueType", ResolvedType = ContactPointType(kind) });
        return type;
    });

    public IGraphType ContactPointType(ContactPointKind kind) => GetOrAdd($"{kind}ValueType", () =>
    {
        var type = new EnumerationGraphType { Name = $"{kind}ValueType", Description = $"Kinds of {kind.ToString().ToLowerInvariant()} values." };
        foreach (var value in InputBinder.ValueTypes(kind))
        {
            type.Add(value, value);
        }

        return type;
    });

    public IGraphType ListItemSemantics => GetOrAdd("ListItemSemantics", () =>
    {
        var type = new EnumerationGraphType { Name = "ListItemSemantics", Description = "What a status or stage means for the record on it." };
        type.Add("PROCESS", Lists.ListItemSemantics.Process, "Work in progress.");
        type.Add("SUCCESS", Lists.ListItemSemantics.Success, "Done and won.");
        type.Add("FAILURE", Lists.ListItemSemantics.Failure, "Done and lost.");
        return type;
    });

    public IGraphType SelectionListItem => GetOrAdd("SelectionListItem", () =>
    {
        var type = new ObjectGraphType { Name = "SelectionListItem", Description = "An item of an admin-editable selection list." };
        type.AddField(Field<Lists.SelectionListItem>("entityId", typeof(NonNullGraphType<StringGraphType>), i => i.EntityId, "The list, e.g. SOURCE or DEAL_STAGE_1."));
        type.AddField(Field<Lists.SelectionListItem>("id", typeof(NonNullGraphType<StringGraphType>), i => i.Id, "The value records hold, e.g. CALL or C1:WON."));
        type.AddField(Field<Lists.SelectionListItem>("name", typeof(NonNullGraphType<StringGraphType>), i => i.Name));
        type.AddField(Field<Lists.SelectionListItem>("sort", typeof(NonNullGraphType<IntGraphType>), i => i.Sort));
        type.AddField(Field<Lists.SelectionListItem>("color", typeof(StringGraphType), i => i.Color));
        type.AddField(new FieldType
        {
            Name = "semantics",
            ResolvedType = ListItemSemantics,
            Description = "For statuses and stages: in process, success or failure.",
            Resolver = new global::GraphQL.Resolvers.FuncFieldResolver<object?>(c => ((Lists.SelectionListItem)c.Source!).Semantics),
        });
        type.AddField(Field<Lists.SelectionListItem>("system", typeof(NonNullGraphType<BooleanGraphType>), i => i.System, "System items cannot be removed."));
        type.AddField(Field<Lists.SelectionListItem>("probability", typeof(IntGraphType), i => i.Probability, "For deal stages: the default probability, in percent."));
        return type;
    });

    private static readonly string[] AddressParts = ["address1", "address2", "city", "postalCode", "region", "province", "country", "countryCode"];

    public IGraphType Address => GetOrAdd("Address", () =>
    {
        var type = new ObjectGraphType { Name = "Address", Description = "A postal address." };
        foreach (var part in AddressParts)
        {
            var property = typeof(PostalAddress).GetProperty(char.ToUpperInvariant(part[0]) + part[1..])!;
            type.AddField(new FieldType
            {
                Name = part,
                Type = typeof(StringGraphType),
                Resolver = new global::GraphQL.Resolvers.FuncFieldResolver<object?>(c => property.GetValue(c.Source)),
            });
        }

        return type;
    });

    public IGraphType AddressInput => GetOrAdd("AddressInput", () =>
    {
        var type = new InputObjectGraphType { Name = "AddressInput", Description = "A postal address; parts left out are empty." };
        foreach (var part in AddressParts)
        {
            type.AddField(new FieldType { Name = part, Type = typeof(StringGraphType) });
        }

        return type;
    });

    /// <summary>
    /// <c>CrmEntityType</c>: every registered entity type, by its name in upper snake case; set
    /// by the composer, which knows them.
    /// </summary>
    public EnumerationGraphType CrmEntityType { get; internal set; } = new() { Name = "CrmEntityType" };

    /// <summary><c>CrmRecord</c>: any record type (what a CRM link points to); set by the composer.</summary>
    public UnionGraphType? CrmRecord { get; internal set; }

    public IGraphType Money => GetOrAdd("Money", () =>
    {
        var type = new ObjectGraphType { Name = "Money", Description = "An amount in a currency." };
        type.AddField(Field<CustomFields.Money>("amount", typeof(NonNullGraphType<DecimalGraphType>), m => m.Amount));
        type.AddField(Field<CustomFields.Money>("currency", typeof(NonNullGraphType<StringGraphType>), m => m.Currency, "ISO 4217 code, e.g. EUR."));
        return type;
    });

    public IGraphType MoneyInput => GetOrAdd("MoneyInput", () =>
    {
        var type = new InputObjectGraphType { Name = "MoneyInput", Description = "An amount in a currency." };
        type.AddField(new FieldType { Name = "amount", Type = typeof(NonNullGraphType<DecimalGraphType>) });
        type.AddField(new FieldType { Name = "currency", Type = typeof(NonNullGraphType<StringGraphType>), Description = "ISO 4217 code, e.g. EUR." });
        return type;
    });

    public IGraphType CustomFieldItem => GetOrAdd("CustomFieldItem", () =>
    {
        var type = new ObjectGraphType { Name = "CustomFieldItem", Description = "One choice of an enumeration field." };
        type.AddField(Field<CustomFields.CustomFieldItem>("id", typeof(NonNullGraphType<IdGraphType>), i => i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        type.AddField(Field<CustomFields.CustomFieldItem>("value", typeof(NonNullGraphType<StringGraphType>), i => i.Value));
        type.AddField(Field<CustomFields.CustomFieldItem>("sort", typeof(NonNullGraphType<IntGraphType>), i => i.Sort));
        type.AddField(Field<CustomFields.CustomFieldItem>("isDefault", typeof(NonNullGraphType<BooleanGraphType>), i => i.IsDefault));
        return type;
    });

    public IGraphType CrmRecordReferenceInput => GetOrAdd("CrmRecordReferenceInput", () =>
    {
        var type = new InputObjectGraphType { Name = "CrmRecordReferenceInput", Description = "A record of any CRM type." };
        type.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(CrmEntityType) });
        type.AddField(new FieldType { Name = "id", Type = typeof(NonNullGraphType<IdGraphType>) });
        return type;
    });

    public T GetOrAdd<T>(string name, Func<T> create)
        where T : IGraphType
    {
        if (!_types.TryGetValue(name, out var type))
        {
            type = create();
            _types[name] = type;
        }

        return (T)type;
    }

    /// <summary>A type some module added under <paramref name="name"/> (with <see cref="GetOrAdd{T}"/>), if any.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IGraphType? type) => _types.TryGetValue(name, out type);

    /// <summary>A field resolved from its source object by a plain function.</summary>
    public static FieldType Field<TSource>(string name, Type type, Func<TSource, object?> resolve, string? description = null) => new()
    {
        Name = name,
        Type = type,
        Description = description,
        Resolver = new global::GraphQL.Resolvers.FuncFieldResolver<object?>(c => resolve((TSource)c.Source!)),
    };

    private static string OperatorDescription(string op) => op switch
    {
        "eq" => "Equal to.",
        "neq" => "Not equal to.",
        "in" => "Equal to one of.",
        "nin" => "Equal to none of.",
        "gt" => "Greater than.",
        "gte" => "Greater than or equal to.",
        "lt" => "Less than.",
        "lte" => "Less than or equal to.",
        "contains" => "Contains the text, ignoring case.",
        "ncontains" => "Does not contain the text, ignoring case.",
        "startsWith" => "Starts with the text, ignoring case.",
        "endsWith" => "Ends with the text, ignoring case.",
        "isNull" => "true: has no value; false: has one.",
        _ => op,
    };
}
