using System.Diagnostics.Metrics;
using Crm.PluginSdk.Modules;

namespace Crm.Modules.Permissions.SignIn;

/// <summary>
/// The meter <c>Crm.SignIn</c>: password checks done and running, and sign-ins refused before a
/// check, by reason (<c>address</c>, <c>busy</c>, <c>email</c>). What an operator watches during a
/// flood, and what tests count real password checks by.
/// </summary>
public sealed class SignInMetrics : ISingletonService
{
    public const string MeterName = "Crm.SignIn";

    public SignInMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        PasswordChecks = meter.CreateCounter<long>("crm.sign_in.password_checks", description: "Passwords hashed to check a sign-in.");
        ActivePasswordChecks = meter.CreateUpDownCounter<long>("crm.sign_in.password_checks.active", description: "Password checks running now.");
        Refusals = meter.CreateCounter<long>("crm.sign_in.refusals", description: "Sign-ins refused with TOO_MANY_ATTEMPTS before their password was checked.");
    }

    public Counter<long> PasswordChecks { get; }

    public UpDownCounter<long> ActivePasswordChecks { get; }

    public Counter<long> Refusals { get; }

    public void Refused(string reason) => Refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
