using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Crm.PluginSdk.Records;

namespace Crm.PluginSdk.Entities;

/// <summary>Declares an entity type's identity and fields; see <see cref="CrmEntityDefinition{TRecord, TContext}"/>.</summary>
public sealed class EntityBuilder<TRecord>
    where TRecord : class, ICrmRecord
{
    internal List<EntityField> Fields { get; } = [];

    internal List<InputOnlyField> InputFields { get; } = [];

    internal string? Description { get; private set; }

    internal string? GraphTypeName { get; private set; }

    internal string? PluralName { get; private set; }

    internal List<LambdaExpression> PermissionPartitions { get; } = [];

    internal List<PermissionActionDeclaration> Actions { get; } = [];

    internal Metadata.EntityLabels Labels { get; } = new();

    /// <summary>
    /// What the type is called in <paramref name="language"/> (<c>en</c>, <c>pl</c> ...), one record
    /// and many, as the console and <c>entityTypes</c> show it. A language without a label falls
    /// back to English, and English to a readable form of the name.
    /// </summary>
    public EntityBuilder<TRecord> Label(string language, string singular, string plural)
    {
        Labels.Singular.Set(language, singular);
        Labels.Plural.Set(language, plural);
        return this;
    }

    /// <summary>
    /// What the permission action <paramref name="action"/> (a standard one or one of <see cref="Action"/>)
    /// is called in <paramref name="language"/>; the standard ones are labelled in English and Polish already.
    /// </summary>
    public EntityBuilder<TRecord> ActionLabel(string action, string language, string text)
    {
        var declared = new Security.PermissionAction(action);
        if (!declared.IsStandard && Actions.All(a => a.Action != declared))
        {
            throw new InvalidOperationException($"The action {action} is not declared on {typeof(TRecord).Name}: declare it with Action first.");
        }

        Labels.Action(declared).Set(language, text);
        return this;
    }

    /// <summary>
    /// A permission action of this type's own beyond READ, ADD, UPDATE, DELETE, EXPORT and IMPORT
    /// (a quote's ACCEPT): roles give it a level like the others, <c>me</c> lists it, and the
    /// module checks it with <see cref="ICrmEntityDefinition.ReachesAsync"/>.
    /// </summary>
    /// <param name="name">Upper-case, as GraphQL shows it (ACCEPT); at most <see cref="Security.PermissionAction.MaxNameLength"/> characters.</param>
    /// <param name="description">What the action allows, shown in the GraphQL enum's description.</param>
    public EntityBuilder<TRecord> Action(string name, string description)
    {
        var action = new Security.PermissionAction(name);
        if (action.IsStandard || Actions.Any(a => a.Action == action))
        {
            throw new InvalidOperationException($"The action {name} is declared twice on {typeof(TRecord).Name}.");
        }

        Actions.Add(new PermissionActionDeclaration(action, description));
        return this;
    }

    /// <summary>
    /// Rights on this type may differ by the value of a field (deals by pipeline), and within it
    /// by another (a pipeline's stages): a role then names the partition its level is for, the
    /// values joined by '/' ("3" for pipeline 3, "3/C3:WON" for its stage C3:WON). The most
    /// specific partition a role names wins.
    /// </summary>
    public EntityBuilder<TRecord> PermissionsPartitionedBy<TValue>(Expression<Func<TRecord, TValue>> field)
    {
        PermissionPartitions.Add(field);
        return this;
    }

    /// <summary>A second, finer partition within the first (see <see cref="PermissionsPartitionedBy{TValue}(Expression{Func{TRecord, TValue}})"/>).</summary>
    public EntityBuilder<TRecord> PermissionsPartitionedBy<TValue, TValue2>(Expression<Func<TRecord, TValue>> field, Expression<Func<TRecord, TValue2>> within)
    {
        PermissionPartitions.Add(field);
        PermissionPartitions.Add(within);
        return this;
    }

    internal List<LambdaExpression> TitleParts { get; } = [];

    internal List<string> SearchLinks { get; } = [];

    /// <summary>
    /// What the record is called where other records show or search it: these fields' values,
    /// joined by spaces (a contact's name, second name and last name). By default the field
    /// <c>title</c>, when the type has one.
    /// </summary>
    public EntityBuilder<TRecord> Title(params Expression<Func<TRecord, string?>>[] fields)
    {
        TitleParts.AddRange(fields);
        return this;
    }

    /// <summary>
    /// The <c>search</c> of this type also finds a record by the titles of the records it links
    /// to: <paramref name="links"/> name them as the type shows them, a reference (<c>company</c>
    /// for <c>companyId</c>) or a relation from this type (<c>companies</c>). The titles are kept
    /// with the record: written with it, and refreshed when a linked record's title changes.
    /// </summary>
    public EntityBuilder<TRecord> SearchIncludes(params string[] links)
    {
        if (!typeof(ISearchableRecord).IsAssignableFrom(typeof(TRecord)))
        {
            throw new InvalidOperationException($"{typeof(TRecord).Name} is not an {nameof(ISearchableRecord)}: it has no search to include titles in.");
        }

        SearchLinks.AddRange(links);
        return this;
    }

    public EntityBuilder<TRecord> Describe(string description)
    {
        Description = description;
        return this;
    }

    /// <summary>The GraphQL type name; by default the entity name in PascalCase.</summary>
    public EntityBuilder<TRecord> GraphName(string name)
    {
        GraphTypeName = name;
        return this;
    }

    /// <summary>The plural used for the list field, by default the name with an "s".</summary>
    public EntityBuilder<TRecord> Plural(string plural)
    {
        PluralName = plural;
        return this;
    }

    /// <summary>A scalar field; its kind follows the property type (use <see cref="FieldBuilder.AsId"/> for ids of other things).</summary>
    public FieldBuilder Field<TValue>(Expression<Func<TRecord, TValue>> property, string? name = null) =>
        Add(property, name, KindOf(typeof(TValue)));

    /// <summary>A list of phones, e-mails or web sites, each <c>{ value valueType }</c>.</summary>
    public FieldBuilder ContactPoints(Expression<Func<TRecord, List<ContactPoint>>> property, ContactPointKind kind, string? name = null)
    {
        var field = Add(property, name, FieldKind.ContactPoints);
        field.Field.PointKind = kind;
        field.Field.Sortable = false;
        return field;
    }

    public FieldBuilder Address(Expression<Func<TRecord, PostalAddress?>> property, string? name = null)
    {
        var field = Add(property, name, FieldKind.Address);
        field.Field.Filterable = false;
        field.Field.Sortable = false;
        return field;
    }

    /// <summary>Created/updated times and authors, read-only.</summary>
    public EntityBuilder<TRecord> AuditFields()
    {
        var audited = typeof(TRecord).GetInterface(nameof(IAuditedRecord)) is not null;
        if (!audited)
        {
            throw new InvalidOperationException($"{typeof(TRecord).Name} does not implement {nameof(IAuditedRecord)}.");
        }

        foreach (var (property, kind) in new[]
                 {
                     (nameof(IAuditedRecord.CreatedAt), FieldKind.DateTime),
                     (nameof(IAuditedRecord.UpdatedAt), FieldKind.DateTime),
                     (nameof(IAuditedRecord.CreatedById), FieldKind.Id),
                     (nameof(IAuditedRecord.UpdatedById), FieldKind.Id),
                 })
        {
            var parameter = Expression.Parameter(typeof(TRecord), "record");
            var accessor = Expression.Lambda(Expression.Property(parameter, property), parameter);
            var name = JsonNamingPolicy.CamelCase.ConvertName(property);
            var field = new EntityField(name, typeof(TRecord).GetProperty(property)!, accessor, kind)
            {
                Writable = false,
                // createdById shows its user as createdBy.
                UserField = kind == FieldKind.Id ? name[..^2] : null,
                Group = Metadata.FieldGroups.System,
            };
            var (english, polish) = AuditLabels[property];
            field.Labels.Set(Metadata.Labels.English, english);
            field.Labels.Set("pl", polish);
            Fields.Add(field);
        }

        return this;
    }

    // Bitrix24's Polish names of the audit fields.
    private static readonly Dictionary<string, (string English, string Polish)> AuditLabels = new(StringComparer.Ordinal)
    {
        [nameof(IAuditedRecord.CreatedAt)] = ("Created", "Data utworzenia"),
        [nameof(IAuditedRecord.UpdatedAt)] = ("Modified", "Data modyfikacji"),
        [nameof(IAuditedRecord.CreatedById)] = ("Created by", "Utworzone przez"),
        [nameof(IAuditedRecord.UpdatedById)] = ("Modified by", "Zmodyfikowane przez"),
    };

    internal Bindings.BindingDeclaration? Binding { get; private set; }

    /// <summary>
    /// The record is bound to one or more records of any registered type (an activity to its deal,
    /// contacts, a plugin's quote), and its rights follow them: it is readable by whoever may read
    /// one of its bound records or is its responsible user, and changed or deleted by whoever may
    /// change one of them or is responsible. The SDK reads input <paramref name="inputName"/>
    /// (<c>[CrmRecordReferenceInput!]</c>, replacing the whole list, at least one and at most
    /// <paramref name="maxBindings"/>), refuses a record that does not exist or that the caller
    /// may not read, holds the bound records until the write commits, and, when a bound record
    /// is deleted, removes its bindings in the same transaction (and the record with its last one).
    /// The type's own role levels do not apply to it.
    /// </summary>
    public EntityBuilder<TRecord> BoundTo<TBinding>(Expression<Func<TRecord, ICollection<TBinding>>> bindings, Expression<Func<TRecord, long?>> responsible,
        string inputName = "bindings", int maxBindings = 10)
        where TBinding : class, Bindings.IRecordBinding, new()
    {
        if (responsible.Body is not MemberExpression { Member: PropertyInfo responsibleProperty } || bindings.Body is not MemberExpression { Member: PropertyInfo })
        {
            throw new ArgumentException("Expected property accesses such as record => record.Bindings and record => record.ResponsibleId.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxBindings, 1);
        Binding = new Bindings.BindingDeclaration(typeof(TBinding), bindings, responsibleProperty, inputName, maxBindings);
        InputFields.Add(new InputOnlyField(inputName, InputOnlyFieldType.RecordReferenceList,
            $"The records this {typeof(TRecord).Name.ToLowerInvariant()} is bound to (at least one, at most {maxBindings}); replaces the current list."));
        return this;
    }

    /// <summary>
    /// A field that inputs carry but that is not a column of the record (e.g. <c>companyIds</c>);
    /// the definition's hooks read it from the input.
    /// </summary>
    public EntityBuilder<TRecord> InputOnly(string name, InputOnlyFieldType type, string description)
    {
        InputFields.Add(new InputOnlyField(name, type, description));
        return this;
    }

    private FieldBuilder Add(LambdaExpression property, string? name, FieldKind kind)
    {
        if (property.Body is not MemberExpression { Member: PropertyInfo info })
        {
            throw new ArgumentException("Expected a property access such as record => record.Name.", nameof(property));
        }

        var field = new EntityField(name ?? JsonNamingPolicy.CamelCase.ConvertName(info.Name), info, property, kind);
        if (Fields.Any(f => f.Name == field.Name))
        {
            throw new InvalidOperationException($"Field '{field.Name}' is declared twice on {typeof(TRecord).Name}.");
        }

        Fields.Add(field);
        return new FieldBuilder(field);
    }

    private static FieldKind KindOf(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t switch
        {
            _ when t == typeof(string) => FieldKind.String,
            _ when t == typeof(int) => FieldKind.Int,
            _ when t == typeof(long) => FieldKind.Long,
            _ when t == typeof(decimal) => FieldKind.Decimal,
            _ when t == typeof(bool) => FieldKind.Boolean,
            _ when t == typeof(DateOnly) => FieldKind.Date,
            _ when t == typeof(DateTime) => FieldKind.DateTime,
            _ => throw new NotSupportedException($"A field of type {type.Name} needs an explicit kind."),
        };
    }
}

/// <summary>A permission action a record type declares, with what it allows.</summary>
public sealed record PermissionActionDeclaration(Security.PermissionAction Action, string Description);

public enum InputOnlyFieldType
{
    IdList,

    /// <summary>A list of <c>CrmRecordReferenceInput</c> (<c>{ entityType id }</c>): records of any type.</summary>
    RecordReferenceList,
}

public sealed record InputOnlyField(string Name, InputOnlyFieldType Type, string Description);

public sealed class FieldBuilder
{
    internal FieldBuilder(EntityField field) => Field = field;

    internal EntityField Field { get; }

    public FieldBuilder Describe(string description)
    {
        Field.Description = description;
        return this;
    }

    /// <summary>Shown as GraphQL <c>ID</c>: ids of users and other records (from 1, or from 0 with <paramref name="allowZero"/>).</summary>
    public FieldBuilder AsId(bool allowZero = false)
    {
        Field.MinimumId = allowZero ? 0 : 1;
        var type = Field.ValueType;
        if (type != typeof(long) && type != typeof(int))
        {
            throw new InvalidOperationException($"Field '{Field.Name}' is not numeric and cannot be an ID.");
        }

        Field.Kind = FieldKind.Id;
        return this;
    }

    /// <summary>
    /// What the field is called in <paramref name="language"/> (<c>en</c>, <c>pl</c> ...), as the
    /// console and <c>entityTypes</c> show it; a language without a label falls back to English,
    /// and English to a readable form of the name (<c>closeDate</c>: "Close date").
    /// </summary>
    public FieldBuilder Label(string language, string text)
    {
        Field.Labels.Set(language, text);
        return this;
    }

    /// <summary>Where a record page shows the field (see <see cref="Metadata.FieldGroups"/>, or a group of the module's own).</summary>
    public FieldBuilder InGroup(string group)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        Field.Group = group;
        return this;
    }

    /// <summary>Lists show the field as a column by default (the type's title fields when none says so).</summary>
    public FieldBuilder ShowInList()
    {
        Field.ShowInList = true;
        return this;
    }

    /// <summary>A board of the type groups its records by this field's value (a deal's stage, a lead's status): a list field.</summary>
    public FieldBuilder Stage()
    {
        if (Field.ListFamily is null)
        {
            throw new InvalidOperationException($"Field '{Field.Name}' is not from a selection list, so a board cannot group by it: call FromList or FromListFamily first.");
        }

        Field.IsStage = true;
        return this;
    }

    public FieldBuilder Required()
    {
        Field.Required = true;
        return this;
    }

    public FieldBuilder ReadOnly()
    {
        Field.Writable = false;
        return this;
    }

    public FieldBuilder NotFilterable()
    {
        Field.Filterable = false;
        return this;
    }

    public FieldBuilder NotSortable()
    {
        Field.Sortable = false;
        return this;
    }

    public FieldBuilder MaxLength(int length)
    {
        Field.MaxLength = length;
        return this;
    }

    /// <summary>
    /// The field holds an ISO 4217 currency code (a deal's <c>currencyId</c>): <c>entityTypes</c> gives
    /// its type as CURRENCY, so front ends offer the codes <c>currencies</c> lists, and a write must give
    /// three letters (upper-cased as stored; INVALID_FORMAT otherwise), as a money value's currency does.
    /// </summary>
    public FieldBuilder Currency()
    {
        if (Field.Kind != FieldKind.String || Field.ListFamily is not null)
        {
            throw new InvalidOperationException($"Field '{Field.Name}' must be a plain string to hold a currency code.");
        }

        Field.IsCurrency = true;
        Field.MaxLength = 3;
        return this;
    }

    /// <summary>
    /// The id of a record of another type (by its registry name): writes must name an existing
    /// record, and <paramref name="objectField"/> shows it, loaded in batches through the registry.
    /// When that record is deleted the reference is cleared, or (<see cref="ReferenceDeletion.Refuse"/>)
    /// the delete is refused while it holds.
    /// </summary>
    public FieldBuilder References(string entityType, string objectField, ReferenceDeletion onDelete = ReferenceDeletion.Clear)
    {
        AsId();
        Field.ReferenceType = entityType;
        Field.ReferenceField = objectField;
        Field.OnReferenceDeleted = onDelete;
        return this;
    }

    /// <summary>A number that writes must keep within [<paramref name="minimum"/>, <paramref name="maximum"/>] (either may be open).</summary>
    public FieldBuilder Range(double? minimum, double? maximum = null)
    {
        if (Field.Kind is not (FieldKind.Int or FieldKind.Long or FieldKind.Decimal))
        {
            throw new InvalidOperationException($"Field '{Field.Name}' is not a number and cannot have a range.");
        }

        Field.Minimum = minimum is null ? null : (decimal)minimum.Value;
        Field.Maximum = maximum is null ? null : (decimal)maximum.Value;
        return this;
    }

    /// <summary>
    /// A value from the selection list <paramref name="listId"/>; writes must use one of its item
    /// ids. Every type names its list fields alike: the item's id is <c>xId</c> and the item itself
    /// <c>xItem</c> (<c>stageId</c> and <c>stageItem</c>); <paramref name="objectField"/>, when
    /// given, must follow that rule.
    /// </summary>
    public FieldBuilder FromList(string listId, string? objectField = null)
    {
        var builder = FromListFamily(listId, _ => listId, objectField);
        Field.ListReads = [];
        return builder;
    }

    /// <summary>
    /// A value from a list that depends on the record (a deal's stage list is its pipeline's):
    /// <paramref name="family"/> names the lists (DEAL_STAGE for DEAL_STAGE_n), whose item ids
    /// must not repeat across the family.
    /// </summary>
    public FieldBuilder FromListFamily(string family, Func<object, string> listOf, string? objectField = null)
    {
        Field.ListFamily = family;
        if (Field.Kind != FieldKind.String)
        {
            throw new InvalidOperationException($"Field '{Field.Name}' must be a string to hold selection list ids.");
        }

        var expected = ListItemFieldName(Field.Name);
        if (objectField is not null && objectField != expected)
        {
            throw new InvalidOperationException($"The list item of '{Field.Name}' is shown as '{expected}' (list fields are named xId and xItem), not '{objectField}'.");
        }

        Field.ListOf = listOf;
        Field.ListField = expected;
        Field.ListReads = null;
        return this;
    }

    /// <summary>
    /// The record properties (by their C# names) that the <c>listOf</c> of <see cref="FromListFamily"/>
    /// reads, a deal's <c>PipelineId</c>: a query showing the list item then loads only those
    /// columns and the field's own; without it, such a query reads the whole record.
    /// </summary>
    public FieldBuilder ListReads(params string[] properties)
    {
        if (Field.ListOf is null)
        {
            throw new InvalidOperationException($"Field '{Field.Name}' holds no list value: call FromListFamily first.");
        }

        foreach (var property in properties)
        {
            if (Field.Property.ReflectedType?.GetProperty(property) is null)
            {
                throw new InvalidOperationException($"The list of '{Field.Name}' reads '{property}', which is not a property of {Field.Property.ReflectedType?.Name}.");
            }
        }

        Field.ListReads = properties;
        return this;
    }

    /// <summary>The field that shows the list item of list field <paramref name="idField"/>: <c>stageId</c> gives <c>stageItem</c>.</summary>
    public static string ListItemFieldName(string idField) =>
        idField.Length > 2 && idField.EndsWith("Id", StringComparison.Ordinal)
            ? idField[..^2] + "Item"
            : throw new InvalidOperationException($"The list field '{idField}' must be named xId (its item is shown as xItem).");

    /// <summary>
    /// The id of a user (an assignee, an author), shown as <paramref name="objectField"/> too: the
    /// user, loaded in batches from the module that keeps users (<see cref="Security.IUserDirectory"/>).
    /// </summary>
    public FieldBuilder ReferencesUser(string objectField)
    {
        AsId();
        Field.UserField = objectField;
        return this;
    }

    /// <summary>
    /// Gives the referenced type (see <see cref="References"/>) a list field, <paramref name="listField"/>,
    /// of the records of this type whose field names it: <c>References("company", "company").WithBackReference("deals")</c>
    /// on deals gives <c>Company.deals</c>. Loaded in one statement per level whatever the page size,
    /// with the reader's rights, at most <c>first</c> per record (oldest first).
    /// </summary>
    public FieldBuilder WithBackReference(string listField)
    {
        if (Field.ReferenceType is null)
        {
            throw new InvalidOperationException($"Field '{Field.Name}' references no record type: call References first.");
        }

        Field.BackReferenceField = listField;
        return this;
    }

    /// <summary>
    /// The names this field had before (<paramref name="name"/> for the field, <paramref name="objectField"/>
    /// for the list item or record it shows): still accepted, deprecated, in the type, its inputs, its
    /// filter and its order, so that clients of the old names keep working until they move.
    /// </summary>
    public FieldBuilder Formerly(string? name = null, string? objectField = null)
    {
        Field.FormerName = name;
        Field.FormerObjectField = objectField;
        return this;
    }
}
