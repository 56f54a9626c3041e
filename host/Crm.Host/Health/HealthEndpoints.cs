using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Health;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: the database answers and every module's migrations are applied.</summary>
public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok\n"));
        endpoints.MapGet("/readyz", async (IServiceProvider services, IEnumerable<ModuleDatabaseRegistration> databases, CancellationToken cancellationToken) =>
        {
            // The usual answer in one statement, without making any module's context: EF's own
            // check below builds every module's model (most of a second at the first probe after a
            // start) and reads each history table apart. It only runs to say what is wrong.
            var registrations = databases.ToList();
            if (await AppliedMigrations.AllAppliedAsync(services.GetRequiredService<DatabaseOptions>(), registrations, cancellationToken))
            {
                return Results.Text("ready\n");
            }

            var problems = new List<string>();
            using var scope = services.CreateScope();
            foreach (var database in registrations)
            {
                try
                {
                    var db = (DbContext)scope.ServiceProvider.GetRequiredService(database.ContextType);
                    var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                    if (pending.Count > 0)
                    {
                        problems.Add($"{database.Schema}: {pending.Count} migration(s) not applied ({string.Join(", ", pending)})");
                    }
                }
                // Every module shares one database: when it cannot be reached, say so once, with why.
                catch (Exception ex) when (ex is not OperationCanceledException && DatabaseFailure.Find(ex) is { } failure)
                {
                    problems.Add($"database: {failure.Summary}: {failure.Reason}");
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    problems.Add($"{database.Schema}: {ex.GetType().Name}: {ex.Message}");
                }
            }

            return problems.Count == 0
                ? Results.Text("ready\n")
                : Results.Text("not ready\n" + string.Join('\n', problems) + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
    }
}
