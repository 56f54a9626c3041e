using Crm.Host.Data;
using Crm.Host.Live;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Crm.Host.Events;

/// <summary>
/// On PostgreSQL, every insert into a module's outbox notifies the channel <c>crm_outbox</c> with
/// the module's schema, in the writer's transaction (a statement trigger, so also for rows written
/// by SQL or by another host), and PostgreSQL delivers the notification when that transaction
/// commits. This listener holds a connection of its own that LISTENs to it and wakes the
/// dispatcher. When the connection drops it connects again (1 s, doubling up to 30 s), and wakes
/// the dispatcher for every outbox once it listens again; meanwhile the dispatcher's poll
/// (<c>Events:PollInterval</c>) still finds the events. The same connection listens to
/// <see cref="LiveSignal.Channel"/> for the live sources of subscriptions (<see cref="LiveWakeUp"/>),
/// when <c>Live:WakeUp</c> is on: one listening connection per host for both.
/// </summary>
public sealed class OutboxListener(
    DatabaseOptions database,
    IEnumerable<ModuleDatabaseRegistration> databases,
    Modules.Runtime.RuntimePlugins plugins,
    OutboxWakeUp wakeUp,
    LiveWakeUp liveWakeUp,
    IOptions<OutboxOptions> options,
    IOptions<LiveOptions> liveOptions,
    ILogger<OutboxListener> logger) : BackgroundService
{
    public const string Channel = "crm_outbox";
    private const string ApplicationName = "crm outbox listener";
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);

    private readonly HashSet<string> _modules = databases.Select(d => d.Schema).ToHashSet(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channels = new List<string>();
        if (options.Value.WakeUp)
        {
            channels.Add(Channel);
        }

        if (liveOptions.Value.WakeUp)
        {
            channels.Add(LiveSignal.Channel);
        }

        if (database.Provider != DatabaseProvider.Postgres || channels.Count == 0)
        {
            return;
        }

        // Its own connection, outside the pool: a pooled one is reset when returned, which ends LISTEN.
        // The keepalive makes a connection that died quietly fail its wait instead of waiting forever.
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Pooling = false,
            KeepAlive = 15,
            ApplicationName = ApplicationName,
        }.ConnectionString;
        var delay = FirstReconnectDelay;
        var dropped = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, notification) => Notified(notification.Channel, notification.Payload);
                await using (var listen = new NpgsqlCommand(string.Concat(channels.Select(c => $"LISTEN {c};")), connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                if (dropped)
                {
                    logger.LogInformation("Listening for new events again.");
                }

                // Whatever was written while nobody listened.
                if (options.Value.WakeUp)
                {
                    wakeUp.WakeAll();
                }

                liveWakeUp.WakeAll();
                delay = FirstReconnectDelay;
                dropped = false;
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Cannot listen for new events ({Reason}); trying again in {Delay}, and polling every {Interval} meanwhile.",
                    ex.Message, delay, options.Value.PollInterval);
                dropped = true;
            }

            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = delay * 2 < MaxReconnectDelay ? delay * 2 : MaxReconnectDelay;
        }
    }

    private void Notified(string channel, string payload)
    {
        if (channel == LiveSignal.Channel)
        {
            // Names no reader waits for are dropped by LiveWakeUp.
            liveWakeUp.Wake(payload);
            return;
        }

        // Anyone who may connect can notify this channel: only a known module's name is taken as one.
        if (_modules.Contains(payload) || plugins.Loaded.Any(p => p.Databases.Any(d => d.Schema == payload)))
        {
            wakeUp.Wake(payload);
        }
        else
        {
            wakeUp.WakeAll();
        }
    }
}
