using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Scripting;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// A backtest script's <c>crm.get</c>, <c>crm.find</c> and <c>crm.count</c>: never today's data. A record of
/// the rule's type whose history the window holds is read as the replay has it at the virtual time (as the
/// run-as user read it, so their rights narrow it as they would); any other read cannot be rebuilt as it
/// was and fails the script's call with a message saying so (<see cref="ScriptReadUnavailableException"/>).
/// </summary>
internal sealed class BacktestRecordSource(string entityType, ReplayedRecords records) : IScriptRecordSource
{
    public Task<JsonObject?> GetAsync(string type, long id, CancellationToken cancellationToken)
    {
        if (!type.Equals(entityType, StringComparison.OrdinalIgnoreCase) || !records.Holds(id))
        {
            throw new ScriptReadUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"not available in a backtest: crm.get('{type}', {id}) reads a record whose history the window does not hold (only the {entityType} records changed in the window are rebuilt as they were)."));
        }

        return Task.FromResult(records.At(id)?.DeepClone().AsObject());
    }

    public Task<IReadOnlyList<JsonObject>> FindAsync(string type, JsonObject? where, int limit, CancellationToken cancellationToken) =>
        throw new ScriptReadUnavailableException("not available in a backtest: crm.find searches all the records of a type, which the replay cannot rebuild as they were.");

    public Task<long> CountAsync(string type, JsonObject? where, CancellationToken cancellationToken) =>
        throw new ScriptReadUnavailableException("not available in a backtest: crm.count counts all the records of a type, which the replay cannot rebuild as they were.");
}
