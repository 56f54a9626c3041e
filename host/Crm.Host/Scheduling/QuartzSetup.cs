using Crm.PluginSdk.Data;
using Quartz;

namespace Crm.Host.Scheduling;

/// <summary>How the host's Quartz scheduler is made: its store, its cluster, its threads, its jobs.</summary>
internal static class QuartzSetup
{
    /// <summary>Quartz's tables: in the platform's schema on PostgreSQL, with the platform's prefix on SQLite.</summary>
    public static string TablePrefix(DatabaseProvider provider) => provider == DatabaseProvider.Postgres ? "platform.qrtz_" : "platform_qrtz_";

    public static ISchedulerFactory Build(IServiceProvider services, DatabaseOptions database, SchedulingOptions options, ILoggerFactory loggers)
    {
        var builder = QuartzSchedulerBuilder.Create(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = WorkScheduler.SchedulerName;
                scheduler.IdleWaitTime = options.IdleWaitTime;
            });
            quartz.UseDefaultThreadPool(options.ThreadCount);
            quartz.UseJobFactory(new ScheduledWorkJobFactory(services));
            quartz.Services.AddSingleton(loggers);
            quartz.UsePersistentStore(store =>
            {
                store.ConfigureStore(ado =>
                {
                    ado.TablePrefix = TablePrefix(database.Provider);
                    // Job data is only the module's payload: kept as text, readable in the table.
                    ado.StoreJobDataAsStrings = true;
                    ado.MisfireThreshold = options.MisfireThreshold;
                    // The platform's migrations made the tables (see SchedulerTables): nothing to check or create at each start.
                    ado.SchemaProvisioning = SchemaProvisioning.None;
                });
                if (database.Provider == DatabaseProvider.Postgres)
                {
                    store.UsePostgres(database.ConnectionString);
                    store.UseClustering(cluster =>
                    {
                        cluster.CheckinInterval = options.ClusterCheckinInterval;
                        cluster.CheckinMisfireThreshold = options.ClusterCheckinMisfireThreshold;
                    });
                }
                else
                {
                    store.UseSqlite(database.ConnectionString);
                }
            });
        });
        return builder.Build();
    }
}
