using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;

namespace Crm.PluginSdk.Tests;

/// <summary>A record with a field of every sortable kind, to get real <see cref="EntityField"/>s from.</summary>
[CrmRecord("sample")]
public sealed class SampleRecord : ICrmRecord
{
    public long Id { get; set; }

    public string Title { get; set; } = "";

    public string? Name { get; set; }

    public DateOnly? Birthdate { get; set; }

    public DateTime SeenAt { get; set; }

    public bool Opened { get; set; }

    public decimal? Amount { get; set; }

    public int Rank { get; set; }

    public long? OwnerId { get; set; }
}

/// <summary>Never instantiated: only its type is needed by the definition.</summary>
public sealed class SampleDbContext(DbContextOptions<SampleDbContext> options) : ModuleDbContext(options, ModuleDbContextDependencies.System)
{
    public override string Schema => "sample";

    protected override void ConfigureModel(ModelBuilder modelBuilder) => modelBuilder.Entity<SampleRecord>();
}

public sealed class SampleEntity() : CrmEntityDefinition<SampleRecord, SampleDbContext>("sample")
{
    public static SampleEntity Instance { get; } = new();

    protected override void Configure(EntityBuilder<SampleRecord> entity)
    {
        entity.Field(r => r.Title).Required();
        entity.Field(r => r.Name);
        entity.Field(r => r.Birthdate);
        entity.Field(r => r.SeenAt);
        entity.Field(r => r.Opened);
        entity.Field(r => r.Amount);
        entity.Field(r => r.Rank);
        entity.Field(r => r.OwnerId).AsId();
    }
}
