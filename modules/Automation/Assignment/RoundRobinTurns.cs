using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Assignment;

/// <summary>
/// Takes a round-robin queue's next turn in one statement (an upsert that returns the new count), in
/// the caller's transaction: on PostgreSQL the row stays locked until it commits, so parallel runs take
/// distinct consecutive turns; SQLite has one writer at a time. A rolled-back action (a refusal, a dry
/// run) gives its turn back.
/// </summary>
public sealed class RoundRobinTurns(AutomationDbContext db) : IScopedService
{
    public const int MaxQueueLength = 100;

    public async Task<long> NextAsync(string queue, CancellationToken cancellationToken)
    {
        var model = db.Model.FindEntityType(typeof(RoundRobinTurn))!;
        var table = model.GetSchema() is { } schema ? $"\"{schema}\".\"{model.GetTableName()}\"" : $"\"{model.GetTableName()}\"";
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(model.GetTableName()!, model.GetSchema());
        var queueColumn = model.FindProperty(nameof(RoundRobinTurn.Queue))!.GetColumnName(store);
        var turnColumn = model.FindProperty(nameof(RoundRobinTurn.Turn))!.GetColumnName(store);
#pragma warning disable EF1002 // names from the EF model, the queue a parameter
        var turns = await db.Database.SqlQueryRaw<long>(
            $"INSERT INTO {table} AS t (\"{queueColumn}\", \"{turnColumn}\") VALUES ({{0}}, 1) ON CONFLICT (\"{queueColumn}\") DO UPDATE SET \"{turnColumn}\" = t.\"{turnColumn}\" + 1 RETURNING \"{turnColumn}\" AS \"Value\"",
            queue).ToListAsync(cancellationToken);
#pragma warning restore EF1002
        return turns[0];
    }
}
