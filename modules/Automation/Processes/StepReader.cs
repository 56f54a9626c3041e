using System.Text.Json.Nodes;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Scripts;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>A record as an instance's run-as user reads it, or why they cannot.</summary>
public sealed record InstanceRecord(JsonObject? Record, UserError? Refused, IScriptRecordSource? Records);

/// <summary>
/// What an if step, a switch and a condition wait read: the record as the instance's run-as user
/// reads it now, and a condition tree tested on it (<see cref="ConditionEvaluator"/>, a script
/// predicate in the sandbox with the record and the user's reads).
/// </summary>
public sealed class StepReader(IServiceScopeFactory scopes, IEntityRegistry registry, ScriptSandbox sandbox, TimeProvider clock) : IAsyncDisposable, IDisposable
{
    private readonly List<AsyncServiceScope> _scopes = [];
    private InstanceRecord? _last;

    public async Task<InstanceRecord> ReadAsync(ProcessInstance instance, AutomationRunIdentity identity, CancellationToken cancellationToken)
    {
        // Only the latest read's scope is kept (a script predicate reads through it): the ones before are done with.
        await DisposeAsync();
        var scope = scopes.CreateAsyncScope();
        _scopes.Add(scope);
        var services = scope.ServiceProvider;
        if (await AutomationRunner.ActAsAsync(services, instance.RunAsUserId, identity, cancellationToken) is { } refused)
        {
            return _last = new InstanceRecord(null, refused, null);
        }

        if (registry.Find(instance.EntityType) is not ICrmEntityDefinition type)
        {
            return _last = new InstanceRecord(null, new UserError(ErrorCodes.NotFound, $"No record type '{instance.EntityType}' is loaded.", []), null);
        }

        var record = await type.GetAsync(services, instance.EntityId, cancellationToken);
        return _last = record is null
            ? new InstanceRecord(null, new UserError(ErrorCodes.Forbidden, $"The run-as user cannot read {type.Name} {instance.EntityId} (or it is gone).", []), null)
            : new InstanceRecord(RecordSnapshot.Of(type, record), null, new RunRecordSource(services, registry));
    }

    /// <summary>Whether <paramref name="condition"/> holds on the record last read; an error (a script's) instead when it cannot be told.</summary>
    public (bool Result, string? Error) Holds(JsonObject? condition, JsonObject record, IReadOnlyDictionary<string, Crm.PluginSdk.Events.FieldChange>? changes = null)
    {
        try
        {
            return (ConditionEvaluator.Evaluate(condition, record, changes, clock.GetUtcNow(),
                source => sandbox.Run(new ScriptRun(source) { Record = record, Records = _last?.Records, Clock = clock }, CancellationToken.None)), null);
        }
        catch (ScriptConditionException ex)
        {
            return (false, ScriptInputs.Describe(ex.Error));
        }
    }

    public void Dispose()
    {
        foreach (var scope in _scopes)
        {
            scope.Dispose();
        }

        _scopes.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var scope in _scopes)
        {
            await scope.DisposeAsync();
        }

        _scopes.Clear();
    }
}
