using System.Globalization;
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

    public static RoundRobinOptions From(IConfiguration configuration)
    {
        var text = configuration["Automation:RoundRobin:MaxUsers"];
        var max = text is { Length: > 0 } ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0 : DefaultMaxUsers;
        if (max is < 1 or > Ceiling)
        {
            throw new InvalidOperationException($"Automation:RoundRobin:MaxUsers is a whole number from 1 to {Ceiling.ToString(CultureInfo.InvariantCulture)}.");
        }

        return new RoundRobinOptions(max);
    }
}
