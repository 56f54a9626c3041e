namespace Crm.Modules.Permissions.Groups;

/// <summary>A work group: a flat set of users that roles can be given to.</summary>
public sealed class Group
{
    public long Id { get; set; }

    public string Name { get; set; } = "";
}

public sealed class GroupMember
{
    public long GroupId { get; set; }

    public long UserId { get; set; }
}
