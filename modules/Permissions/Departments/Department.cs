namespace Crm.Modules.Permissions.Departments;

/// <summary>A department in the company's tree, with its head.</summary>
public sealed class Department
{
    public long Id { get; set; }

    public long? ParentId { get; set; }

    public long? HeadId { get; set; }

    public string Name { get; set; } = "";

    public int Sort { get; set; }
}
