namespace Crm.PluginSdk.Security;

/// <summary>
/// What a permission is for: Bitrix24's READ, ADD, WRITE (UPDATE), DELETE, EXPORT, IMPORT on every
/// record type, and actions a record type declares for itself (a quote's ACCEPT, with
/// <c>EntityBuilder.Action</c>). Roles give a level per type and action like any other; a module
/// checks its own action with <c>ICrmEntityDefinition.ReachesAsync</c>.
/// </summary>
public readonly record struct PermissionAction : IComparable<PermissionAction>
{
    /// <summary>The longest name an action may have (it is stored with each role's permissions).</summary>
    public const int MaxNameLength = 16;

    public static readonly PermissionAction Read = new("READ");
    public static readonly PermissionAction Add = new("ADD");
    public static readonly PermissionAction Update = new("UPDATE");
    public static readonly PermissionAction Delete = new("DELETE");
    public static readonly PermissionAction Export = new("EXPORT");
    public static readonly PermissionAction Import = new("IMPORT");

    /// <summary>The actions every record type has.</summary>
    private static readonly PermissionAction[] StandardActions = [Read, Add, Update, Delete, Export, Import];

    public static IReadOnlyList<PermissionAction> Standard { get; } = Array.AsReadOnly(StandardActions);

    /// <param name="name">Upper-case letters, digits and underscores, starting with a letter, at most <see cref="MaxNameLength"/>: its GraphQL name.</param>
    public PermissionAction(string name)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a permission action name: upper-case letters, digits and '_', starting with a letter, at most {MaxNameLength}.", nameof(name));
        }

        Name = name;
    }

    public string Name { get; }

    public bool IsStandard => Array.IndexOf(StandardActions, this) >= 0;

    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && char.IsAsciiLetterUpper(name[0]) && name.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_');

    /// <summary>The standard actions in their order, then declared ones by name: how roles and <c>me</c> list them.</summary>
    public int CompareTo(PermissionAction other)
    {
        var (mine, theirs) = (Rank(this), Rank(other));
        return mine != theirs ? mine.CompareTo(theirs) : string.CompareOrdinal(Name, other.Name);
    }

    private static int Rank(PermissionAction action)
    {
        var index = Array.IndexOf(StandardActions, action);
        return index < 0 ? int.MaxValue : index;
    }

    public override string ToString() => Name;
}

/// <summary>
/// How far a permission reaches, each level including those below it: records assigned to me;
/// to anyone in my departments; in my departments and all below them; those plus every record
/// marked <c>opened</c>; every record.
/// </summary>
public enum PermissionLevel
{
    None,
    Own,
    Department,
    Subdepartments,
    Open,
    All,
}

/// <summary>
/// One actor's effective rights: per entity type (and, for types partitioned like deals by
/// pipeline, per partition) and action, the most permissive level of all their roles; the
/// users their department levels reach; and the settings right. Immutable; the Permissions
/// module computes it, the SDK enforces it below every module.
/// </summary>
public sealed class AccessRights
{
    private readonly IReadOnlyDictionary<(string EntityType, string? Partition, PermissionAction Action), PermissionLevel> _levels;
    private readonly long _userId;
    private readonly IReadOnlySet<long> _departmentUserIds;
    private readonly IReadOnlySet<long> _subdepartmentUserIds;

    public AccessRights(
        long userId,
        IReadOnlyDictionary<(string EntityType, string? Partition, PermissionAction Action), PermissionLevel> levels,
        IReadOnlySet<long> departmentUserIds,
        IReadOnlySet<long> subdepartmentUserIds,
        bool canConfigure,
        bool isAdministrator = false)
    {
        _userId = userId;
        _levels = levels;
        _departmentUserIds = departmentUserIds;
        _subdepartmentUserIds = subdepartmentUserIds;
        CanConfigure = canConfigure || isAdministrator;
        IsAdministrator = isAdministrator;
    }

    /// <summary>Everything (the system and administrators).</summary>
    public static AccessRights Everything(long userId) => new(userId, new Dictionary<(string, string?, PermissionAction), PermissionLevel>(), new HashSet<long>(), new HashSet<long>(), true, isAdministrator: true);

    /// <summary>Nothing at all (an anonymous request).</summary>
    public static AccessRights Nothing { get; } = new(0, new Dictionary<(string, string?, PermissionAction), PermissionLevel>(), new HashSet<long>(), new HashSet<long>(), false);

    // The identity's properties report each read (Live.IdentityReads): a result that read one is not shared between users.
    public long UserId
    {
        get
        {
            Live.IdentityReads.Noted();
            return _userId;
        }
    }

    public bool IsAdministrator { get; }

    /// <summary>The settings right: selection lists, pipelines, custom fields, automation, roles.</summary>
    public bool CanConfigure { get; }

    /// <summary>Users in my departments, me included.</summary>
    public IReadOnlySet<long> DepartmentUserIds
    {
        get
        {
            Live.IdentityReads.Noted();
            return _departmentUserIds;
        }
    }

    /// <summary>Users in my departments and every department below them, me included.</summary>
    public IReadOnlySet<long> SubdepartmentUserIds
    {
        get
        {
            Live.IdentityReads.Noted();
            return _subdepartmentUserIds;
        }
    }

    /// <summary>
    /// Every (entity type, partition, action) a role decides: the type's levels above NONE, and
    /// every partition's level, NONE included (it takes away what the type's level gives).
    /// </summary>
    public IEnumerable<(string EntityType, string? Partition, PermissionAction Action, PermissionLevel Level)> Granted =>
        _levels.Where(l => l.Value > PermissionLevel.None || l.Key.Partition is not null).Select(l => (l.Key.EntityType, l.Key.Partition, l.Key.Action, l.Value));

    /// <summary>
    /// The level for an action on a type; for a partitioned type (values joined by '/', coarsest
    /// first), the level of the most specific partition a role names, else the type's.
    /// </summary>
    public PermissionLevel Level(string entityType, PermissionAction action, string? partition = null)
    {
        if (IsAdministrator)
        {
            return PermissionLevel.All;
        }

        // The most specific partition a role names: "3/C3:WON", else "3", else the whole type.
        for (var key = partition; key is not null; key = key.LastIndexOf('/') is var slash and > 0 ? key[..slash] : null)
        {
            if (_levels.TryGetValue((entityType, key, action), out var partitioned))
            {
                return partitioned;
            }
        }

        return _levels.TryGetValue((entityType, null, action), out var level) ? level : PermissionLevel.None;
    }

    /// <summary>The partitions a role names for this type and action (e.g. the pipelines with their own deal rights).</summary>
    public IReadOnlyList<string> Partitions(string entityType, PermissionAction action) =>
        _levels.Keys.Where(k => k.EntityType == entityType && k.Action == action && k.Partition is not null).Select(k => k.Partition!).Distinct().ToList();

    /// <summary>The assignees a level reaches; null for every assignee (OPEN also reaches opened records).</summary>
    public IReadOnlySet<long>? Assignees(PermissionLevel level) => level switch
    {
        PermissionLevel.None => new HashSet<long>(),
        PermissionLevel.Own => new HashSet<long> { UserId },
        PermissionLevel.Department => DepartmentUserIds,
        PermissionLevel.Subdepartments or PermissionLevel.Open => SubdepartmentUserIds,
        _ => null,
    };
}

/// <summary>
/// Who a bearer token or key stands for, and their rights: implemented by the Permissions
/// module. Without it every authenticated caller is an administrator.
/// </summary>
public interface IAccessRightsProvider
{
    /// <summary>The rights of an active user; null when the user does not exist or is disabled (their tokens and keys are then refused).</summary>
    ValueTask<AccessRights?> RightsAsync(long userId, CancellationToken cancellationToken);

    /// <summary>The user a sign-in access token belongs to, or why it is refused (unknown, expired, replaced, its session ended, its user disabled).</summary>
    ValueTask<CredentialCheck> AuthenticateAsync(string accessToken, CancellationToken cancellationToken);
}

/// <summary>A record that has an assignee and an <c>opened</c> flag, which OWN ... OPEN levels look at.</summary>
public interface IOwnedRecord : Records.ICrmRecord
{
    long? AssignedById { get; set; }

    bool Opened { get; }
}
