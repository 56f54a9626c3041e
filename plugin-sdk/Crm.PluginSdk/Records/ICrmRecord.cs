namespace Crm.PluginSdk.Records;

/// <summary>
/// A CRM record: a row with a numeric id that the entity registry can load and that produces
/// domain events when it changes.
/// </summary>
public interface ICrmRecord
{
    long Id { get; }
}

/// <summary>Created/updated times (UTC) and authors, stamped by <see cref="Data.ModuleDbContext"/> on every save.</summary>
public interface IAuditedRecord : ICrmRecord
{
    DateTime CreatedAt { get; set; }
    DateTime UpdatedAt { get; set; }
    long? CreatedById { get; set; }
    long? UpdatedById { get; set; }
}

/// <summary>Names the entity type of a record class (the registry's name, e.g. "contact").</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CrmRecordAttribute(string entityType) : Attribute
{
    public string EntityType { get; } = entityType;
}

/// <summary>The id and audit columns every ordinary record type has; derive record classes from it.</summary>
public abstract class AuditedRecord : IAuditedRecord, CustomFields.ICustomizableRecord
{
    public long Id { get; set; }

    /// <summary>The values of the admin-defined fields of the record's type.</summary>
    public CustomFields.CustomFieldValues CustomFields { get; set; } = new();

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public long? CreatedById { get; set; }

    public long? UpdatedById { get; set; }
}

/// <summary>A row linking a record to a record of another type (perhaps of another module), in the record's order.</summary>
public interface IOrderedLink
{
    long TargetId { get; }

    int Sort { get; set; }
}
