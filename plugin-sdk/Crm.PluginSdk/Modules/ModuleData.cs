namespace Crm.PluginSdk.Modules;

/// <summary>
/// A step that brings a module's own data up to date: seed rows of a new install, or a
/// conversion an upgrade needs. The host runs each once per database, after every module's
/// schema migrations, module by module in load order and within a module in the ordinal order
/// of <see cref="Id"/>; each in one transaction with the record that it ran, as the system, so
/// that a failed step leaves nothing and runs again at the next start. Registered by convention.
/// </summary>
public interface IModuleDataMigration
{
    /// <summary>Unique within the module and sorting in the order the steps must run, e.g. "0001-seed-quote-statuses". At most 100 characters.</summary>
    string Id { get; }

    Task RunAsync(IServiceProvider services, CancellationToken cancellationToken);
}

/// <summary>
/// Work a module does at every start, after the data migrations, as the system (registering the
/// selection lists modules declare, say). It must be idempotent: every host runs it at every start.
/// Registered by convention.
/// </summary>
public interface IModuleStartupTask
{
    Task RunAsync(IServiceProvider services, CancellationToken cancellationToken);
}
