using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// Records the EF Core work (contexts initialized, commands sent) done in the caller's own async
/// flow while it is alive, from EF's diagnostic events: what one call or one in-process request
/// (with <c>TestServer.PreserveExecutionContext</c>) cost, apart from a host's background services
/// working at the same time.
/// </summary>
public sealed class EfWorkInFlow : EfDiagnosticRecorder
{
    private static readonly string ContextInitialized = CoreEventId.ContextInitialized.Name!;
    private static readonly string CommandExecuting = RelationalEventId.CommandExecuting.Name!;
    private static readonly AsyncLocal<EfWorkInFlow?> Recording = new();
    private readonly ConcurrentQueue<string> _contexts = new();
    private readonly ConcurrentQueue<string> _commands = new();
    private EfWorkInFlow()
        : base(ContextInitialized, CommandExecuting) => Recording.Value = this;

    /// <summary>Starts recording in the caller's flow (and the flows it starts).</summary>
    public static EfWorkInFlow Start() => new();

    /// <summary>The type names of the contexts initialized.</summary>
    public IReadOnlyList<string> Contexts => [.. _contexts];

    /// <summary>The text of the commands sent.</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    public override void Dispose()
    {
        Recording.Value = null;
        base.Dispose();
    }

    protected override void Record(object? payload)
    {
        if (Recording.Value != this)
        {
            return;
        }

        switch (payload)
        {
            case ContextInitializedEventData initialized:
                _contexts.Enqueue(initialized.Context.GetType().Name);
                break;
            case CommandEventData executing:
                _commands.Enqueue(executing.Command.CommandText);
                break;
        }
    }
}
