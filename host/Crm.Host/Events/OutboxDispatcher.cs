using System.Text.Json;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Crm.Host.Events;

public sealed class OutboxOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int BatchSize { get; set; } = 100;

    /// <summary>After this many failed deliveries an event is set aside (kept, with its last error).</summary>
    public int MaxAttempts { get; set; } = 10;
}

/// <summary>
/// Delivers the domain events waiting in every module's outbox to the handlers modules
/// registered, each in a scope of its own, in the order they were written per module.
/// Delivery is at least once.
/// </summary>
public sealed class OutboxDispatcher(
    IServiceScopeFactory scopes,
    IEnumerable<ModuleDatabaseRegistration> databases,
    IOptions<OutboxOptions> options,
    DatabaseOptions databaseOptions,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string? _sqliteTurnFile = SqliteTurnFile(databaseOptions);
    private bool _toldNoTurnFile;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchPendingAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Delivering domain events failed; retrying in {Interval}.", options.Value.PollInterval);
            }

            try
            {
                await Task.Delay(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Delivers everything pending now; returns how many events were handled.</summary>
    public async Task<int> DispatchPendingAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!TryTakeSqliteTurn(out var turn))
            {
                return 0; // another host on the same SQLite file is delivering; the next poll comes back
            }

            using var held = turn;
            var delivered = 0;
            foreach (var database in databases)
            {
                delivered += await DispatchAsync(database, cancellationToken);
            }

            return delivered;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The file whose lock makes hosts on one SQLite database deliver in turn (none for PostgreSQL or a database in memory).</summary>
    private static string? SqliteTurnFile(DatabaseOptions database)
    {
        if (database.Provider != DatabaseProvider.Sqlite)
        {
            return null;
        }

        var sqlite = new SqliteConnectionStringBuilder(database.ConnectionString);
        return sqlite.DataSource is { Length: > 0 } file && file != ":memory:" && sqlite.Mode != SqliteOpenMode.Memory
            ? Path.GetFullPath(file) + "-outbox.lock"
            : null;
    }

    /// <summary>
    /// On SQLite, which has no row locks to claim a batch with, hosts sharing the file take turns:
    /// an exclusive OS lock on a file beside the database, held while one host delivers. The OS
    /// drops it when the process dies, so a killed host holds nothing up. False: another host's turn.
    /// </summary>
    private bool TryTakeSqliteTurn(out IDisposable? turn)
    {
        turn = null;
        if (_sqliteTurnFile is null)
        {
            return true;
        }

        try
        {
            turn = new FileStream(_sqliteTurnFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
            return true;
        }
        catch (IOException) when (File.Exists(_sqliteTurnFile))
        {
            return false; // held by another host
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No lock file can be made here (a read-only folder): deliver as a single host would, and say so once.
            if (!_toldNoTurnFile)
            {
                _toldNoTurnFile = true;
                logger.LogWarning("Cannot open {File} ({Reason}); hosts sharing this SQLite file may deliver an event twice.", _sqliteTurnFile, ex.Message);
            }

            return true;
        }
    }

    private async Task<int> DispatchAsync(ModuleDatabaseRegistration database, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = scopes.CreateSystemScope();
        var db = (ModuleDbContext)scope.ServiceProvider.GetRequiredService(database.ContextType);
        var maxAttempts = options.Value.MaxAttempts;
        // Several hosts drain the same outboxes: on PostgreSQL each takes its batch under row
        // locks that the others skip, so an event is delivered by one host at a time. (On SQLite
        // the hosts take turns, see TryTakeSqliteTurn.)
        // A stop cancels the handlers and the batch between events, never a statement of the
        // dispatcher's own: EF logs a cancelled statement or transaction as an error, which a stop
        // is not. (The statements are short; a handler may not be.)
        await using var claim = db.IsPostgres ? await db.Database.BeginTransactionAsync(CancellationToken.None) : null;
        // The schema is a module id (checked at loading: lower-case letters, digits, underscores).
        var claimSql = "SELECT * FROM \"" + database.Schema + "\".outbox WHERE processed_at IS NULL AND attempts < {0} ORDER BY id LIMIT {1} FOR UPDATE SKIP LOCKED";
        var pending = db.IsPostgres
            ? db.Outbox.FromSqlRaw(claimSql, maxAttempts, options.Value.BatchSize)
            : db.Outbox.Where(m => m.ProcessedAt == null && m.Attempts < maxAttempts).OrderBy(m => m.Id).Take(options.Value.BatchSize);
        var batch = await pending.ToListAsync(CancellationToken.None);

        foreach (var message in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var domainEvent = JsonSerializer.Deserialize<DomainEvent>(message.Payload, EventJson.Options)!;
            try
            {
                // Handlers do the platform's work, as the system.
                using var handlerScope = scopes.CreateSystemScope();
                foreach (var handler in handlerScope.ServiceProvider.GetServices<IDomainEventHandler>())
                {
                    if (handler.Handles(domainEvent))
                    {
                        await handler.HandleAsync(domainEvent, cancellationToken);
                    }
                }

                message.ProcessedAt = clock.GetUtcNow().UtcDateTime;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                message.Attempts++;
                message.LastError = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
                logger.LogWarning(ex, "Delivering {Kind} of {EntityType} {EntityId} failed (attempt {Attempt}).",
                    message.Kind, message.EntityType, message.EntityId, message.Attempts);
            }
        }

        await db.SaveChangesAsync(CancellationToken.None);
        if (claim is not null)
        {
            await claim.CommitAsync(CancellationToken.None);
        }

        return batch.Count(m => m.ProcessedAt is not null);
    }
}
