using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Runs;

/// <summary>
/// A host's hold on one run while it works (<see cref="AutomationRun.Lease"/>): renews the run's
/// heartbeat every third of <see cref="RunOptions.StalledRunGrace"/> in a scope of its own, so the
/// recovery sweep never ends a run whose host is alive however long an action takes. When a renewal
/// finds the token gone (the sweep ended the run, its host having been unable to renew for a grace),
/// <see cref="Lost"/> is set and the holder writes nothing more: its next action's transaction checks
/// the token too (<see cref="RunWrites.HeldAsync"/>) and rolls back when it is gone.
/// </summary>
public sealed class RunLease : IAsyncDisposable
{
    private readonly Heartbeat _heartbeat;

    private RunLease(long runId, Guid token, IServiceScopeFactory scopes, RunOptions options, TimeProvider clock)
    {
        RunId = runId;
        Token = token;
        _heartbeat = Heartbeat.Every(options.StalledRunGrace / 3, clock, async stop =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var now = clock.GetUtcNow().UtcDateTime;
            return await scope.ServiceProvider.GetRequiredService<AutomationDbContext>().Runs.Where(r => r.Id == runId && r.Lease == token)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Heartbeat, now), stop) == 1;
        });
    }

    public long RunId { get; }

    public Guid Token { get; }

    /// <summary>Whether the run was taken from this holder (a renewal, or a conditional write, found its token gone).</summary>
    public bool Lost => _heartbeat.Lost;

    /// <summary>Starts renewing the lease <paramref name="token"/> on run <paramref name="runId"/>, which the caller holds.</summary>
    public static RunLease Hold(long runId, Guid token, IServiceScopeFactory scopes, RunOptions options, TimeProvider clock) => new(runId, token, scopes, options, clock);

    /// <summary>Marks the lease lost (a conditional write of the holder found its token gone).</summary>
    public void MarkLost() => _heartbeat.MarkLost();

    public ValueTask DisposeAsync() => _heartbeat.DisposeAsync();
}
