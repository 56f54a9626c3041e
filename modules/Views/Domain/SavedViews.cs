using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Views;

namespace Crm.Modules.Views.Domain;

/// <summary>The SDK's <see cref="ISavedViews"/>: a view's id resolved for the actor, as every list's <c>viewId:</c> and jobs use it.</summary>
public sealed class SavedViews(ViewAccess access, IEntityRegistry registry, IServiceProvider services) : ISavedViews, IScopedService
{
    public async Task<ResolvedView> ResolveAsync(string entityType, long viewId, CancellationToken cancellationToken)
    {
        if (registry.Find(entityType) is not ICrmEntityDefinition definition
            || await access.FindVisibleAsync(entityType, viewId, cancellationToken) is not { } view)
        {
            throw ErrorCodes.Error(ErrorCodes.ViewNotFound, $"There is no view {viewId} of {entityType} that you may use.");
        }

        return ViewFields.Of(definition, services).Resolve(view);
    }
}
