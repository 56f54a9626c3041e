using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Permissions;

/// <summary>
/// Listens to one host's <c>Crm.SignIn</c> meter (its own <see cref="IMeterFactory"/>, so hosts
/// of other tests running meanwhile are not counted): the real password checks it made, the most
/// that ran at once, and its refusals by reason.
/// </summary>
public sealed class SignInMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _refusals = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _checks;
    private long _active;
    private long _mostActive;

    public SignInMeter(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Crm.SignIn" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (_gate)
            {
                switch (instrument.Name)
                {
                    case "crm.sign_in.password_checks":
                        _checks += value;
                        break;
                    case "crm.sign_in.password_checks.active":
                        _active += value;
                        _mostActive = Math.Max(_mostActive, _active);
                        break;
                    case "crm.sign_in.refusals":
                        foreach (var tag in tags)
                        {
                            if (tag.Key == "reason" && tag.Value is string reason)
                            {
                                _refusals[reason] = _refusals.GetValueOrDefault(reason) + value;
                            }
                        }

                        break;
                }
            }
        });
        _listener.Start();
    }

    /// <summary>Passwords hashed (a sign-in's check, or a rehash after it).</summary>
    public long PasswordChecks
    {
        get
        {
            lock (_gate)
            {
                return _checks;
            }
        }
    }

    /// <summary>The most password checks that ran at the same moment.</summary>
    public long MostAtOnce
    {
        get
        {
            lock (_gate)
            {
                return _mostActive;
            }
        }
    }

    /// <summary>Sign-ins refused before a check, for this reason: address, busy or email.</summary>
    public long Refusals(string reason)
    {
        lock (_gate)
        {
            return _refusals.GetValueOrDefault(reason);
        }
    }

    public void Dispose() => _listener.Dispose();
}
