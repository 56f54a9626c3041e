using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Import.Data;

public sealed class ImportDbContext(DbContextOptions<ImportDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => ImportModule.Id;

    public DbSet<ImportProgress> Progress => Set<ImportProgress>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ImportProgress>(progress =>
        {
            progress.ToTable("progress");
            progress.HasKey(p => p.JobId);
            progress.Property(p => p.JobId).ValueGeneratedNever();
        });
}

/// <summary>
/// How far an import got (<c>import.progress</c>), saved in the same transaction as the rows it
/// covers: after a crash, the rows it counts are written and the others are not, so a resumed run
/// starts at <see cref="NextRow"/> and imports no row twice.
/// </summary>
public sealed class ImportProgress
{
    public long JobId { get; set; }

    /// <summary>The first data row (1-based record of the file, the header row included) not yet done.</summary>
    public long NextRow { get; set; }

    public long Imported { get; set; }

    public long Updated { get; set; }

    public long Skipped { get; set; }

    public long Rejected { get; set; }

    /// <summary>How long the rejected rows file is with the rows this progress covers: a resumed run cuts it back to this.</summary>
    public long RejectedBytes { get; set; }
}

public sealed class ImportDesignTimeFactory() : ModuleDesignTimeFactory<ImportDbContext>(ImportModule.Id);
