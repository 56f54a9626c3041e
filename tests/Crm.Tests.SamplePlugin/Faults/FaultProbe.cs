using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;
using Crm.Tests.SamplePlugin.Data;

namespace Crm.Tests.SamplePlugin.Faults;

/// <summary>The smallest record type: what the tests make throw in <c>Configure</c>, or name like another module's type.</summary>
[CrmRecord(FaultProbeEntity.DefaultName)]
public sealed class FaultProbe : ICrmRecord
{
    public long Id { get; set; }

    public string Title { get; set; } = "";
}

/// <summary>Named <c>fault_probe</c>, or what <see cref="FaultSettings.RecordTypeName"/> says.</summary>
public sealed class FaultProbeEntity() : CrmEntityDefinition<FaultProbe, SamplePluginDbContext>(FaultSettings.Current.RecordTypeName ?? DefaultName)
{
    public const string DefaultName = "fault_probe";

    protected override void Configure(EntityBuilder<FaultProbe> entity)
    {
        // Configure runs in the definition's constructor: an entry point of its own.
        FaultSettings.ThrowIfAsked(EntryPoint.RecordType);
        entity.Describe("A record of the tests' sample plugin.");
        entity.Field(p => p.Title).Required();
    }
}
