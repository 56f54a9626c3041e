using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// A plugin installed while the host runs: its declared lists join the catalog and are made in the
/// database with their default items, as <see cref="DeclaredListsStartup"/> does for every module at start.
/// </summary>
public sealed class DeclaredListsOfLoadedPlugins(SelectionListCatalog catalog) : IModuleLoadedListener
{
    public Task ModuleLoadedAsync(IServiceProvider moduleServices, IServiceProvider scope, CancellationToken cancellationToken)
    {
        catalog.Add(moduleServices.GetServices<ISelectionListDeclarations>());
        return new DeclaredListsStartup().RunAsync(scope, cancellationToken);
    }
}
