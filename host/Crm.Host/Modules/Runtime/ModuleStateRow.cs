using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Modules.Runtime;

/// <summary>
/// A module's wanted state (<c>platform.module_states</c>): a module with no row is wanted enabled,
/// so a new module comes up in service and only an administrator's choice is stored.
/// </summary>
public sealed class ModuleStateRow
{
    public const int MaxUpdatedByLength = 200;

    public string ModuleId { get; set; } = "";

    public bool Enabled { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Who changed it last (<c>user:42</c>, <c>system</c>).</summary>
    public string UpdatedBy { get; set; } = "";

    internal static void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ModuleStateRow>(row =>
        {
            row.ToTable("module_states");
            row.HasKey(r => r.ModuleId);
            row.Property(r => r.ModuleId).HasMaxLength(ModuleLoader.MaxIdLength);
            row.Property(r => r.UpdatedBy).HasMaxLength(MaxUpdatedByLength);
        });
}
