using System.Reflection;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Tests;

/// <summary>
/// What a partner's plugin sees of the SDK is what it may rely on: the platform's machinery stays
/// internal (the host, the first-party modules that maintain every record type and the tests see
/// it through InternalsVisibleTo), so that it can change without breaking a plugin.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly string[] Machinery =
    [
        "BindModel", "FieldsFor", "CountCustomValuesAsync", "ClearCustomValuesAsync", "SyncCustomFieldIndexesAsync",
        "FindReferencesAsync", "DetachReferencesAsync", "LoadReferringAsync", "SearchLinkTargets",
        "RefreshSearchLinksAsync", "RefreshSearchLinksToAsync", "CountListValueAsync", "ReplaceListValueAsync", "CheckListArguments",
    ];

    [Fact]
    public void The_entity_contract_keeps_the_platform_machinery_internal()
    {
        var onContract = Machinery.Where(name => typeof(ICrmEntityDefinition).GetMethod(name, BindingFlags.Public | BindingFlags.Instance) is not null);
        var onDefinition = Machinery.Where(name => typeof(CrmEntityDefinition<,>).GetMethods(BindingFlags.Public | BindingFlags.Instance).Any(m => m.Name == name));
        var missing = Machinery.Where(name => typeof(ICrmEntityDefinition).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Instance) is null);

        Assert.Empty(onContract);
        Assert.Empty(onDefinition);
        // Each is still there for the platform: a rename here would leave this test checking nothing.
        Assert.Empty(missing);
    }

    [Fact]
    public void Only_the_host_composes_the_schema()
    {
        Assert.Empty(typeof(SchemaComposer).GetConstructors(BindingFlags.Public | BindingFlags.Instance));
        Assert.Null(typeof(SchemaComposer).GetMethod(nameof(SchemaComposer.Compose), BindingFlags.Public | BindingFlags.Instance));
    }

    [Theory]
    [InlineData("Crm.PluginSdk.Entities.EntityRegistry")]
    [InlineData("Crm.PluginSdk.Entities.ReferenceCleaner")]
    [InlineData("Crm.PluginSdk.Entities.ReferenceScan")]
    [InlineData("Crm.PluginSdk.Entities.SearchLinksRefresher")]
    [InlineData("Crm.PluginSdk.Entities.RecordReader`2")]
    [InlineData("Crm.PluginSdk.Entities.RecordWriter`2")]
    [InlineData("Crm.PluginSdk.Entities.BulkRecordCreator`2")]
    [InlineData("Crm.PluginSdk.GraphQL.RecordTypeFactory")]
    [InlineData("Crm.PluginSdk.GraphQL.SchemaContributionException")]
    [InlineData("Crm.PluginSdk.GraphQL.NulFreeInputs")]
    [InlineData("Crm.PluginSdk.Querying.FilterCompiler")]
    [InlineData("Crm.PluginSdk.Querying.FilterLimits")]
    [InlineData("Crm.PluginSdk.Querying.Paging")]
    [InlineData("Crm.PluginSdk.Data.SqlDialect")]
    [InlineData("Crm.PluginSdk.Data.SqlStatementCounter")]
    [InlineData("Crm.PluginSdk.Data.CrmDbFunctions")]
    [InlineData("Crm.PluginSdk.Data.EngineMigrationsAssembly")]
    [InlineData("Crm.PluginSdk.CustomFields.CustomFieldSql")]
    [InlineData("Crm.PluginSdk.Events.EventJson")]
    [InlineData("Crm.PluginSdk.Events.EventHandlerServices")]
    [InlineData("Crm.PluginSdk.Security.AccessFilter")]
    [InlineData("Crm.PluginSdk.Modules.CrmSdk")]
    public void A_type_only_the_platform_uses_is_internal(string typeName)
    {
        var type = typeof(ICrmEntityDefinition).Assembly.GetType(typeName, throwOnError: true)!;

        Assert.False(type.IsVisible, $"{typeName} is public");
    }
}
