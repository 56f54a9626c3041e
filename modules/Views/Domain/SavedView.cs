namespace Crm.Modules.Views.Domain;

/// <summary>
/// What a saved view is: a list's columns, order, filter and page size under a name. A saved filter
/// (<see cref="ViewKind.Filter"/>) is the same thing holding only a filter: one table and one set of
/// rules (sharing, limits, <c>viewId:</c>) for both.
/// </summary>
public enum ViewKind
{
    View,
    Filter,
}

/// <summary>Who besides the owner may use a view.</summary>
public enum ViewSharing
{
    Private,
    Everyone,
    Department,
    Users,
}

public sealed class SavedView
{
    public long Id { get; set; }

    public string EntityType { get; set; } = "";

    public ViewKind Kind { get; set; }

    public long OwnerId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The filter in the lists' <c>where</c> grammar, as JSON; null for none.</summary>
    public string? Filter { get; set; }

    /// <summary>The order as a JSON list of <c>{"field": ..., "direction": "ASC"|"DESC"}</c>; null for none.</summary>
    public string? Order { get; set; }

    /// <summary>The columns as a JSON list of <c>{"field": ..., "width": n}</c>; null for none.</summary>
    public string? Columns { get; set; }

    public int? PageSize { get; set; }

    public ViewSharing Sharing { get; set; }

    public long? DepartmentId { get; set; }

    public bool WithSubdepartments { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public List<ViewUser> Users { get; set; } = [];
}

/// <summary>A user a view shared with chosen users is shared with.</summary>
public sealed class ViewUser
{
    public long ViewId { get; set; }

    public long UserId { get; set; }
}

/// <summary>
/// A user's default view of a record type; <see cref="Everyone"/> as the user is the default an
/// administrator set for everyone, which a user's own replaces. One per user and type, by its key.
/// </summary>
public sealed class ViewDefault
{
    public const long Everyone = 0;

    public long UserId { get; set; }

    public string EntityType { get; set; } = "";

    public long ViewId { get; set; }
}

/// <summary>How many views and filters a user owns of a type: counted up only below the limit, in one statement, so parallel creates cannot pass it.</summary>
public sealed class ViewQuota
{
    public long OwnerId { get; set; }

    public string EntityType { get; set; } = "";

    public int Count { get; set; }
}
