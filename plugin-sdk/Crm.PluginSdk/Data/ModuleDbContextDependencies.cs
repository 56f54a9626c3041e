using Crm.PluginSdk.Security;

namespace Crm.PluginSdk.Data;

/// <summary>What every module context needs from the request it serves.</summary>
public sealed class ModuleDbContextDependencies(
    ICurrentActor actor,
    TimeProvider clock,
    CrmDatabaseSession? session = null,
    CustomFields.CustomFieldScope? customFields = null,
    Entities.IEntityRegistry? entities = null)
{
    public ICurrentActor Actor { get; } = actor;

    /// <summary>The registered record types, whose declared fields are what events publish; null at design time.</summary>
    public Entities.IEntityRegistry? Entities { get; } = entities;

    /// <summary>The custom field definitions of the scope (which fields are texts, e-mails, phones for search); null at design time.</summary>
    public CustomFields.CustomFieldScope? CustomFields { get; } = customFields;

    public TimeProvider Clock { get; } = clock;

    /// <summary>The scope's shared connection; null at design time.</summary>
    public CrmDatabaseSession? Session { get; } = session;

    /// <summary>For design-time tools, which act as the system.</summary>
    public static ModuleDbContextDependencies System { get; } = new(CurrentActor.System(), TimeProvider.System);
}
