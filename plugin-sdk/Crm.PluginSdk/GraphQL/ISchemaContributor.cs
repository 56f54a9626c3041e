namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// Adds root fields or extends types when the host composes the schema. Called on every
/// composition (start-up, and each time custom fields or plugins change), so it must create
/// fresh graph type instances each time and keep no state between calls.
/// </summary>
public interface ISchemaContributor
{
    void Contribute(SchemaComposer composer);
}
