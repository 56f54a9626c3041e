namespace Crm.PluginSdk.Modules;

/// <summary>
/// Implemented by a part of a module that composes from every module's declarations at start (the
/// selection lists' catalog, say), to take those of a plugin installed while the host runs. The
/// host calls each one (registered by convention, a singleton) when such a plugin has been
/// migrated and before it is in service; one that throws fails the plugin, with the reason.
/// </summary>
public interface IModuleLoadedListener
{
    /// <param name="moduleServices">The plugin's own services: <c>GetServices&lt;T&gt;()</c> gives its declarations.</param>
    /// <param name="scope">A scope of the host, as the system, that reaches the plugin's services too.</param>
    /// <param name="cancellationToken">The install's.</param>
    Task ModuleLoadedAsync(IServiceProvider moduleServices, IServiceProvider scope, CancellationToken cancellationToken);
}
