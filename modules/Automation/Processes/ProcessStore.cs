using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Definitions;
using Crm.PluginSdk.GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// The life of a process's versions (<see cref="VersionedDefinitions{TDefinition, TVersion}"/>), with
/// its input validated (<see cref="ProcessValidator"/>). Running instances keep the version they pinned.
/// </summary>
public sealed class ProcessStore(IServiceProvider services)
{
    public static readonly DefinitionKind Kind = new("business process", "business processes", "process", "processes", "updateBusinessProcess", ProcessLimits.MaxProcessesPerType);

    private readonly VersionedDefinitions<BusinessProcess, BusinessProcessVersion> _versions = new(services, Kind);

    public Task<DefinitionPayload<BusinessProcess>> CreateAsync(string entityType, ProcessInput input, CancellationToken cancellationToken) =>
        _versions.CreateAsync(entityType, Content(null, input), cancellationToken);

    public Task<DefinitionPayload<BusinessProcess>> UpdateAsync(long id, ProcessInput input, CancellationToken cancellationToken) =>
        _versions.UpdateAsync(id, Content(id, input), cancellationToken);

    public Task<DefinitionPayload<BusinessProcess>> ActivateAsync(long id, CancellationToken cancellationToken) =>
        _versions.ActivateAsync(id, async (process, draft, token) =>
            // Again at activation: the processes its sub-process steps start may have changed since the draft was saved.
            await new SubProcessChains(services.GetRequiredService<AutomationDbContext>()).FindAsync(process.EntityType, process.Id, ProcessDefinition.FromJson(draft.Definition), token) is { } chain
                ? UserError.At(chain.Code, chain.Message, "id")
                : null, cancellationToken);

    public Task<DefinitionPayload<BusinessProcess>> DeactivateAsync(long id, CancellationToken cancellationToken) => _versions.DeactivateAsync(id, cancellationToken);

    public Task<DefinitionPayload<BusinessProcess>> DeleteAsync(long id, CancellationToken cancellationToken) => _versions.DeleteAsync(id, cancellationToken);

    public DefinitionPayload<BusinessProcess> InvalidId(object? raw) => _versions.InvalidId(raw);

    private DefinitionContent<BusinessProcessVersion> Content(long? id, ProcessInput input) => async (recordType, errors, cancellationToken) =>
        await new ProcessValidator(services).ValidateAsync(recordType, id, input, errors, cancellationToken) is { } valid
            ? new DefinitionWrite<BusinessProcessVersion>(
                version => (version.Name, version.Description, version.Definition, version.RunAsUserId) = (valid.Name, valid.Description, valid.Definition.ToJson(), valid.RunAsUserId),
                DirectoryReferences.OfProcess(services, recordType, valid.Definition))
            : null;
}
