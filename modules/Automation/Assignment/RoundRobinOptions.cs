using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Assignment;

/// <summary>
/// The round-robin assignment's bound: the most users a set may hold (<c>Automation:RoundRobin:MaxUsers</c>,
/// 100, at most 1,000): a chosen list longer than that is refused when the rule is saved, a department
/// or role with more active people fails the step (the set is read whole on every turn).
/// </summary>
public sealed record RoundRobinOptions(int MaxUsers)
{
    public const int DefaultMaxUsers = 100;

    public const int Ceiling = 1_000;

    public static RoundRobinOptions From(IConfiguration configuration) =>
        new(BoundedSettings.WholeNumber(configuration, "Automation:RoundRobin:MaxUsers", DefaultMaxUsers, 1, Ceiling));
}
