using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Hosting;

/// <summary>
/// Builds every module's EF Core model on another core while the start-up's first phases run on
/// this one. Building a context's model (and, for the first context, EF Core's own services) is
/// pure CPU, a few tens of milliseconds per module, and start-up otherwise paid it one module
/// after another in its database phases, each on first use. Only the order changes: a model
/// a phase needs before this got to it is built there, as before (EF Core builds a model once
/// per context type, whoever asks first), and a model that fails to build here fails again where
/// it is used, inside that module's guard.
/// </summary>
internal static class ModelWarmUp
{
    public static Task StartAsync(IServiceProvider services, IEnumerable<ModuleDatabaseRegistration> databases, ILogger logger)
    {
        var contextTypes = databases.Select(d => d.ContextType).Distinct().ToList();
        return Task.Run(() =>
        {
            foreach (var contextType in contextTypes)
            {
                try
                {
                    using var scope = services.CreateScope();
                    _ = ((DbContext)scope.ServiceProvider.GetRequiredService(contextType)).Model;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    logger.LogDebug(ex, "Warming the model of {Context} failed; it is built where it is used.", contextType.Name);
                }
            }
        });
    }
}
