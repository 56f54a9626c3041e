using Crm.Modules.Permissions.Data;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Rights;

/// <summary>
/// Adds up a user's rights from the stored users, departments, groups and roles: the roles given
/// to the user, to each of their departments, to any department above one of theirs with its
/// subdepartments, and to their groups; per (type, partition, action) the most permissive level.
/// Reads through the given context, so that it also sees a transaction's uncommitted changes.
/// </summary>
public static class RightsCalculator
{
    public sealed record Holding(long UserId, IReadOnlyList<long> DepartmentIds, IReadOnlyList<long> GroupIds, IReadOnlySet<long> RoleIds, DepartmentTree Tree);

    /// <summary>The rights of an active user; null when the user does not exist or is disabled.</summary>
    public static async Task<AccessRights?> ComputeAsync(PermissionsDbContext db, long userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Active, u.IsAdministrator }).FirstOrDefaultAsync(cancellationToken);
        if (user is not { Active: true })
        {
            return null;
        }

        if (user.IsAdministrator)
        {
            return AccessRights.Everything(userId);
        }

        var holding = await HoldingAsync(db, userId, cancellationToken);
        var roleIds = holding.RoleIds.ToList();
        var canConfigure = roleIds.Count > 0 && await db.Roles.AsNoTracking().AnyAsync(r => roleIds.Contains(r.Id) && r.CanConfigure, cancellationToken);
        var permissions = roleIds.Count == 0
            ? []
            : await db.RolePermissions.AsNoTracking().Where(p => roleIds.Contains(p.RoleId)).ToListAsync(cancellationToken);

        // Per role, a partition's level is the role's own for it, else the role's for the nearest
        // coarser partition ("3" for "3/C3:WON"), else for the whole type; the user gets, per key,
        // the most permissive of their roles.
        var levels = new Dictionary<(string, string?, PermissionAction), PermissionLevel>();
        var partitionKeys = permissions.Where(p => p.Partition is not null).Select(p => (p.EntityType, p.Partition, p.Action)).Distinct().ToList();
        foreach (var role in permissions.GroupBy(p => p.RoleId))
        {
            var own = role.GroupBy(p => (p.EntityType, p.Partition, p.Action)).ToDictionary(g => g.Key, g => g.Max(p => p.Level));
            foreach (var (key, level) in own)
            {
                Raise(levels, key, level);
            }

            foreach (var key in partitionKeys.Where(k => !own.ContainsKey(k)))
            {
                // The role's most specific level that covers the partition: "3" for "3/C3:WON", else the type's.
                for (var coarser = Coarser(key.Partition); ; coarser = Coarser(coarser))
                {
                    if (own.TryGetValue((key.EntityType, coarser, key.Action), out var covering))
                    {
                        Raise(levels, key, covering);
                        break;
                    }

                    if (coarser is null)
                    {
                        break;
                    }
                }
            }
        }

        var departmentIds = holding.DepartmentIds;
        var below = holding.Tree.WithDescendants(departmentIds);
        var reached = departmentIds.Count == 0
            ? []
            : await db.UserDepartments.AsNoTracking().Where(m => below.Contains(m.DepartmentId)).Select(m => new { m.UserId, m.DepartmentId }).ToListAsync(cancellationToken);
        var mine = departmentIds.ToHashSet();
        var departmentUsers = reached.Where(m => mine.Contains(m.DepartmentId)).Select(m => m.UserId).Append(userId).ToHashSet();
        var subdepartmentUsers = reached.Select(m => m.UserId).Append(userId).ToHashSet();
        return new AccessRights(userId, levels, departmentUsers, subdepartmentUsers, canConfigure);
    }

    /// <summary>The partition one level up ("3" for "3/C3:WON"); null above a top-level partition.</summary>
    private static string? Coarser(string? partition) =>
        partition?.LastIndexOf('/') is > 0 and var slash ? partition[..slash] : null;

    /// <summary>Where the user sits and which roles reach them, by whatever way.</summary>
    public static async Task<Holding> HoldingAsync(PermissionsDbContext db, long userId, CancellationToken cancellationToken)
    {
        var tree = await DepartmentTree.ReadAsync(db, cancellationToken);
        var departmentIds = await db.UserDepartments.AsNoTracking().Where(m => m.UserId == userId).Select(m => m.DepartmentId).OrderBy(id => id).ToListAsync(cancellationToken);
        var groupIds = await db.GroupMembers.AsNoTracking().Where(m => m.UserId == userId).Select(m => m.GroupId).OrderBy(id => id).ToListAsync(cancellationToken);
        var above = tree.Ancestors(departmentIds).ToList();
        var roleIds = await db.RoleAssignments.AsNoTracking()
            .Where(a => a.UserId == userId
                || (a.DepartmentId != null && departmentIds.Contains(a.DepartmentId.Value))
                || (a.DepartmentId != null && a.WithSubdepartments && above.Contains(a.DepartmentId.Value))
                || (a.GroupId != null && groupIds.Contains(a.GroupId.Value)))
            .Select(a => a.RoleId)
            .Distinct()
            .ToListAsync(cancellationToken);
        return new Holding(userId, departmentIds, groupIds, roleIds.ToHashSet(), tree);
    }

    private static void Raise(Dictionary<(string, string?, PermissionAction), PermissionLevel> levels, (string, string?, PermissionAction) key, PermissionLevel level)
    {
        if (!levels.TryGetValue(key, out var current) || level > current)
        {
            levels[key] = level;
        }
    }
}

/// <summary>The department tree as parent links, to walk up and down it.</summary>
public sealed class DepartmentTree
{
    private readonly Dictionary<long, long?> _parents;
    private readonly ILookup<long, long> _children;

    public DepartmentTree(IEnumerable<KeyValuePair<long, long?>> parents)
    {
        _parents = parents.ToDictionary(p => p.Key, p => p.Value);
        _children = _parents.Where(p => p.Value is not null).ToLookup(p => p.Value!.Value, p => p.Key);
    }

    /// <summary>The tree as the database holds it now (within a transaction, as the transaction sees it).</summary>
    public static async Task<DepartmentTree> ReadAsync(PermissionsDbContext db, CancellationToken cancellationToken) =>
        new(await db.Departments.AsNoTracking().Select(d => new KeyValuePair<long, long?>(d.Id, d.ParentId)).ToListAsync(cancellationToken));

    public bool Contains(long id) => _parents.ContainsKey(id);

    public IEnumerable<long> Children(long id) => _children[id];

    /// <summary>The departments strictly above the given ones (guarded against cycles).</summary>
    public HashSet<long> Ancestors(IEnumerable<long> ids)
    {
        var found = new HashSet<long>();
        foreach (var id in ids)
        {
            var current = _parents.GetValueOrDefault(id);
            while (current is { } parent && found.Add(parent))
            {
                current = _parents.GetValueOrDefault(parent);
            }
        }

        return found;
    }

    /// <summary>The given departments and all below them.</summary>
    public List<long> WithDescendants(IEnumerable<long> ids)
    {
        var found = new HashSet<long>();
        var pending = new Stack<long>(ids);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (found.Add(id))
            {
                foreach (var child in _children[id])
                {
                    pending.Push(child);
                }
            }
        }

        return found.ToList();
    }

    /// <summary>Whether <paramref name="candidate"/> is <paramref name="id"/> or below it.</summary>
    public bool IsAtOrBelow(long candidate, long id)
    {
        var seen = new HashSet<long>();
        long? current = candidate;
        while (current is { } c && seen.Add(c))
        {
            if (c == id)
            {
                return true;
            }

            current = _parents.GetValueOrDefault(c);
        }

        return false;
    }
}
