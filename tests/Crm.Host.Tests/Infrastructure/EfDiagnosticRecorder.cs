using System.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// The plumbing of a test recorder of EF Core's diagnostic events while it is alive: subscribes to
/// EF's listener (and to every one made later) for the named events and hands each payload to
/// <see cref="Record"/>, which may be called from any thread.
/// </summary>
public abstract class EfDiagnosticRecorder : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly Predicate<string> _events;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _all;

    protected EfDiagnosticRecorder(params string[] eventNames)
    {
        _events = name => eventNames.Contains(name, StringComparer.Ordinal);
        _all = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>One event's payload (an EF <c>EventData</c>).</summary>
    protected abstract void Record(object? payload);

    public virtual void Dispose()
    {
        _all.Dispose();
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
            _subscriptions.Clear();
        }

        GC.SuppressFinalize(this);
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name)
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(this, _events));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value) => Record(value.Value);

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
