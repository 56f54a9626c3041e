using Crm.Modules.SelectionLists.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// At every start: each declared list this database does not have yet is made, with its default
/// items unless items of it are already there (a database from before lists were declared).
/// Once made, a list is the admins': its items are never put back.
/// </summary>
public sealed class DeclaredListsStartup : IModuleStartupTask
{
    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<SelectionListsDbContext>();
        var catalog = services.GetRequiredService<SelectionListCatalog>();
        // Read and written in one turn of a lock (a name's on PostgreSQL; SQLite's transaction
        // begins IMMEDIATE): two hosts that start, or load a plugin, at once take turns, and the
        // second finds the first's lists instead of adding them again (a unique violation).
        var changed = await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            await db.LockNameAsync("selection-lists.declared", cancellationToken);
            var existing = await db.Lists.Select(l => l.EntityId).ToListAsync(cancellationToken);
            var withItems = await db.Items.Select(i => i.EntityId).Distinct().ToListAsync(cancellationToken);
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            foreach (var declaration in catalog.Declared.Where(d => !existing.Contains(d.Id)))
            {
                db.Lists.Add(new ListRecord { EntityId = declaration.Id, CreatedAt = now });
                if (withItems.Contains(declaration.Id))
                {
                    continue;
                }

                var sort = 0;
                db.Items.AddRange(declaration.DefaultItems.Select(item => new ListItem
                {
                    EntityId = declaration.Id,
                    StatusId = item.Id,
                    Name = item.Name,
                    Sort = sort += 10,
                    Color = item.Color,
                    Semantics = declaration.HasSemantics ? item.Semantics ?? PluginSdk.Lists.ListItemSemantics.Process : null,
                    System = item.System,
                    Probability = declaration.HasProbability ? item.Probability : null,
                }));
            }

            // Member lists made before lists were recorded (a pipeline's stages).
            foreach (var member in withItems.Where(id => !existing.Contains(id) && catalog.Find(id) is { Member: not null }))
            {
                db.Lists.Add(new ListRecord { EntityId = member, CreatedAt = now });
            }

            if (!db.ChangeTracker.HasChanges())
            {
                return false;
            }

            await db.SaveChangesAsync(cancellationToken);
            // Hosts already running keep the lists in memory: the version tells them to read again.
            await SelectionListStore.BumpVersionAsync(db, cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);
        if (changed)
        {
            services.GetRequiredService<SelectionListCache>().Invalidate();
        }
    }
}
