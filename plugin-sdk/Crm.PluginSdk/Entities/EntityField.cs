using System.Linq.Expressions;
using System.Reflection;
using Crm.PluginSdk.CustomFields;

namespace Crm.PluginSdk.Entities;

/// <summary>How a field is shown in GraphQL, filtered, sorted and written.</summary>
public enum FieldKind
{
    String,
    Int,
    Long,
    Decimal,
    Boolean,
    Date,
    DateTime,

    /// <summary>A numeric id (of this or another record, or of a user), shown as GraphQL <c>ID</c>.</summary>
    Id,

    /// <summary>A list of <see cref="Records.ContactPoint"/>s of one <see cref="ContactPointKind"/>.</summary>
    ContactPoints,

    /// <summary>A <see cref="Records.PostalAddress"/>.</summary>
    Address,

    /// <summary>A link to a record of some entity type (a custom CRM field): <c>{ entityType id }</c>.</summary>
    RecordReference,
}

/// <summary>The kinds of multi-fields, each with the value types Bitrix24 knows for it.</summary>
public enum ContactPointKind
{
    Phone,
    Email,
    Web,

    /// <summary>Messenger handles (Telegram, WhatsApp, Skype ...).</summary>
    Im,
}

/// <summary>What happens to a reference when the record it names is deleted.</summary>
public enum ReferenceDeletion
{
    /// <summary>The reference is cleared, with an "updated" event on the record that held it (Bitrix24's way for links between CRM records).</summary>
    Clear,

    /// <summary>The delete is refused while the reference holds the record (REFERENCED, with how many hold it).</summary>
    Refuse,
}

/// <summary>One field of a registered entity type: the metadata the query engine and schema run on.</summary>
public sealed class EntityField
{
    internal EntityField(string name, PropertyInfo property, LambdaExpression accessor, FieldKind kind)
    {
        Name = name;
        Property = property;
        Accessor = accessor;
        Kind = kind;
        var underlying = Nullable.GetUnderlyingType(property.PropertyType);
        IsNullable = underlying is not null
            || (!property.PropertyType.IsValueType && new NullabilityInfoContext().Create(property).ReadState != NullabilityState.NotNull);
        ValueType = underlying ?? property.PropertyType;
        var getter = property.GetGetMethod()!;
        Get = record => getter.Invoke(record, null);
        var setter = property.GetSetMethod();
        Set = setter is null ? null : (record, value) => setter.Invoke(record, [value]);
        KeyType = ValueType;
        KeyOf = Get;
        Group = kind is FieldKind.ContactPoints or FieldKind.Address ? Metadata.FieldGroups.Contact : Metadata.FieldGroups.Main;
    }

    private EntityField(CustomFieldSpec spec, PropertyInfo document, LambdaExpression accessor, FieldKind kind, Type valueType)
    {
        Name = spec.FieldName;
        Property = document;
        Accessor = accessor;
        Kind = kind;
        Custom = spec;
        IsNullable = true;
        ValueType = valueType;
        KeyType = CustomFieldSql.KeyType(spec.Type);
        Description = spec.Label;
        Group = Metadata.FieldGroups.Custom;
        ShowInList = spec.ShowInList;
        foreach (var label in spec.Labels)
        {
            Labels.Adopt(label.Language, label.Text);
        }

        // The field's own label stands for every language it has no label in.
        if (!Labels.Texts.ContainsKey(Metadata.Labels.English))
        {
            Labels.Adopt(Metadata.Labels.English, spec.Label);
        }

        Required = spec.Mandatory;
        Filterable = spec.Filterable;
        Sortable = spec.Filterable && !spec.Multiple;
        Get = record => CustomFieldBinder.Read(spec, ((ICustomizableRecord)record).CustomFields[spec.Code]);
        KeyOf = record => CustomFieldBinder.Key(spec, ((ICustomizableRecord)record).CustomFields[spec.Code]);
        MinimumId = 1;
        ToKey = spec.Type switch
        {
            CustomFieldType.Number or CustomFieldType.Money => value => value is null ? null : (object)System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
            CustomFieldType.Date => value => value is DateOnly date ? CustomFieldBinder.DateKey(date) : value,
            CustomFieldType.DateTime => value => value is DateTime time ? CustomFieldBinder.DateTimeKey(time) : value,
            _ => value => value,
        };
        if (spec.Type == CustomFieldType.Crm)
        {
            ParseOperand = (value, path) => value is IDictionary<string, object?> link
                && link.Value("entityType") is string type
                && RecordIds.TryParse(link.Value("id"), out var id)
                    ? new CrmRecordReference(type, id).Key
                    : throw GraphQL.ErrorCodes.Error(GraphQL.ErrorCodes.InvalidId, $"'{path}' is not a valid record reference.");
        }
    }

    /// <summary>
    /// The field of a custom field definition on a record type: its value lives in the record's
    /// JSON document, and it filters and sorts by <see cref="CustomFieldSql.KeyExpression"/>.
    /// </summary>
    public static EntityField ForCustomField(Type recordType, CustomFieldSpec spec, bool isPostgres)
    {
        var document = recordType.GetProperty(nameof(ICustomizableRecord.CustomFields))
            ?? throw new InvalidOperationException($"{recordType.Name} takes no custom fields.");
        var record = Expression.Parameter(recordType, "record");
        Expression body = Expression.Property(record, document);
        if (!spec.Multiple)
        {
            var key = CustomFieldSql.KeyExpression(spec, body, isPostgres);
            body = key.Type.IsValueType && Nullable.GetUnderlyingType(key.Type) is null ? Expression.Convert(key, typeof(Nullable<>).MakeGenericType(key.Type)) : key;
        }

        var (kind, valueType) = spec.Type switch
        {
            CustomFieldType.Integer => (FieldKind.Long, typeof(long)),
            CustomFieldType.Number or CustomFieldType.Money => (FieldKind.Decimal, typeof(decimal)),
            CustomFieldType.Boolean => (FieldKind.Boolean, typeof(bool)),
            CustomFieldType.Date => (FieldKind.Date, typeof(DateOnly)),
            CustomFieldType.DateTime => (FieldKind.DateTime, typeof(DateTime)),
            CustomFieldType.Enumeration or CustomFieldType.Employee => (FieldKind.Id, typeof(long)),
            CustomFieldType.Crm => (FieldKind.RecordReference, typeof(string)),
            CustomFieldType.Address => (FieldKind.Address, typeof(string)),
            _ => (FieldKind.String, typeof(string)),
        };
        return new EntityField(spec, document, Expression.Lambda(body, record), kind, valueType);
    }

    /// <summary>The custom field definition behind this field; null for built-in fields.</summary>
    public CustomFieldSpec? Custom { get; }

    /// <summary>The type the field filters and sorts by (<see cref="ValueType"/> but for custom fields, whose SQL keys are long, double, bool or text).</summary>
    public Type KeyType { get; }

    /// <summary>A record's sort key for cursors: a value of <see cref="KeyType"/>.</summary>
    public Func<object, object?> KeyOf { get; }

    /// <summary>Turns a converted input value into a key value.</summary>
    public Func<object?, object?> ToKey { get; } = value => value;

    /// <summary>Reads a filter operand that is not a plain scalar (a record reference).</summary>
    public Func<object, string, object>? ParseOperand { get; }

    /// <summary>The GraphQL name (camelCase).</summary>
    public string Name { get; }

    public PropertyInfo Property { get; }

    /// <summary><c>record =&gt; record.Property</c>, for building queries.</summary>
    public LambdaExpression Accessor { get; }

    public FieldKind Kind { get; internal set; }

    /// <summary>The property type without <see cref="Nullable{T}"/>.</summary>
    public Type ValueType { get; }

    public bool IsNullable { get; }

    public Func<object, object?> Get { get; }

    public Action<object, object?>? Set { get; }

    public string? Description { get; internal set; }

    public bool Filterable { get; internal set; } = true;

    public bool Sortable { get; internal set; } = true;

    /// <summary>Whether create and update inputs carry the field.</summary>
    public bool Writable { get; internal set; } = true;

    /// <summary>Whether a create must give a non-empty value.</summary>
    public bool Required { get; internal set; }

    /// <summary>The longest text the column takes; read from the EF model when not set here.</summary>
    public int? MaxLength { get; internal set; }

    public ContactPointKind PointKind { get; internal set; }

    /// <summary>For ids: the smallest valid one (1 for records; 0 where 0 names a default, as pipeline 0 does).</summary>
    public long MinimumId { get; internal set; } = 1;

    /// <summary>For an id of another record: its entity type, resolved through the registry.</summary>
    public string? ReferenceType { get; internal set; }

    /// <summary>The GraphQL field that shows the referenced record (e.g. "company" for "companyId").</summary>
    public string? ReferenceField { get; internal set; }

    /// <summary>What deleting the referenced record does to this field's value.</summary>
    public ReferenceDeletion OnReferenceDeleted { get; internal set; } = ReferenceDeletion.Clear;

    /// <summary>For numbers: the smallest value a write may give, when bounded.</summary>
    public decimal? Minimum { get; internal set; }

    /// <summary>For numbers: the largest value a write may give, when bounded.</summary>
    public decimal? Maximum { get; internal set; }

    /// <summary>For a value from a selection list: which list holds the record's allowed values.</summary>
    public Func<object, string>? ListOf { get; internal set; }

    /// <summary>
    /// The record properties <see cref="ListOf"/> reads besides the field itself: empty for one
    /// fixed list; null when not declared, and then a query showing the list item reads the whole record.
    /// </summary>
    internal IReadOnlyList<string>? ListReads { get; set; }

    /// <summary>
    /// The list, or family of lists (DEAL_STAGE covers DEAL_STAGE_1, DEAL_STAGE_2 ...), the field
    /// takes values from; item ids are unique within a family.
    /// </summary>
    public string? ListFamily { get; internal set; }

    public bool UsesList(string listId) =>
        ListFamily is { } family && (listId == family || listId.StartsWith(family + "_", StringComparison.Ordinal));

    /// <summary>The GraphQL field that shows the list item (e.g. "stageItem" for "stageId").</summary>
    public string? ListField { get; internal set; }

    /// <summary>For the id of a user (an assignee, an author): the GraphQL field that shows the user (e.g. "assignedBy").</summary>
    public string? UserField { get; internal set; }

    /// <summary>
    /// For a reference field: the list field the referenced type gets, of the records whose field
    /// names it (a deal's <c>companyId</c> gives <c>Company.deals</c>).
    /// </summary>
    public string? BackReferenceField { get; internal set; }

    /// <summary>The field's former GraphQL name, still accepted (deprecated) in outputs, inputs, filters and order.</summary>
    public string? FormerName { get; internal set; }

    /// <summary>The former name of the field that shows the list item or record (deprecated, still shown).</summary>
    public string? FormerObjectField { get; internal set; }

    /// <summary>What the field is called in each language (see <see cref="FieldBuilder.Label"/>); a custom field's come from its definition.</summary>
    public Metadata.Labels Labels { get; } = new();

    /// <summary>Where a record page groups the field (see <see cref="Metadata.FieldGroups"/>); by default by its kind.</summary>
    public string Group { get; internal set; } = Metadata.FieldGroups.Main;

    /// <summary>Whether lists show the field as a column by default (see <see cref="FieldBuilder.ShowInList"/>).</summary>
    public bool ShowInList { get; internal set; }

    /// <summary>Whether the field holds an ISO 4217 currency code (see <see cref="FieldBuilder.Currency"/>): writes take three letters, upper-cased.</summary>
    public bool IsCurrency { get; internal set; }

    /// <summary>Whether a board groups the type's records by this field (a deal's stage; see <see cref="FieldBuilder.Stage"/>).</summary>
    public bool IsStage { get; internal set; }
}
