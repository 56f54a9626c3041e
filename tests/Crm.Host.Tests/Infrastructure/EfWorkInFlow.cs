using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// Records the EF Core work (contexts initialized, commands sent) done in the caller's own async
/// flow while it is alive, from EF's diagnostic events: what one call or one in-process request
/// (with <c>TestServer.PreserveExecutionContext</c>) cost, apart from a host's background services
/// working at the same time.
/// </summary>
public sealed class EfWorkInFlow : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private static readonly string ContextInitialized = CoreEventId.ContextInitialized.Name!;
    private static readonly string CommandExecuting = RelationalEventId.CommandExecuting.Name!;
    private static readonly AsyncLocal<EfWorkInFlow?> Recording = new();
    private readonly ConcurrentQueue<string> _contexts = new();
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _all;

    private EfWorkInFlow()
    {
        Recording.Value = this;
        _all = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>Starts recording in the caller's flow (and the flows it starts).</summary>
    public static EfWorkInFlow Start() => new();

    /// <summary>The type names of the contexts initialized.</summary>
    public IReadOnlyList<string> Contexts => [.. _contexts];

    /// <summary>The text of the commands sent.</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    public void Dispose()
    {
        Recording.Value = null;
        _all.Dispose();
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
            _subscriptions.Clear();
        }
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name)
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(this, name => name == ContextInitialized || name == CommandExecuting));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (Recording.Value != this)
        {
            return;
        }

        switch (value.Value)
        {
            case ContextInitializedEventData initialized:
                _contexts.Enqueue(initialized.Context.GetType().Name);
                break;
            case CommandEventData executing:
                _commands.Enqueue(executing.Command.CommandText);
                break;
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }
}
