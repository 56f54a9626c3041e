using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Permissions.Data;

/// <summary>
/// How large the directory may grow: the most roles (<c>Permissions:MaxRoles</c>, 1,000), groups
/// (<c>Permissions:MaxGroups</c>, 1,000) and departments (<c>Permissions:MaxDepartments</c>, 5,000),
/// each from 1 to ten times its default. <c>roles</c>, <c>groups</c> and <c>departments</c> answer
/// them all at once, and every rights snapshot reads the roles given and the department tree whole.
/// An admin's create past a bound answers <c>LIMIT_EXCEEDED</c>, counted while the create holds that
/// part of the directory, so parallel creates stop at it exactly. (The platform's own integration
/// roles are made without the check: a plugin's start never fails on it.)
/// </summary>
public sealed record DirectoryLimits(int MaxRoles, int MaxGroups, int MaxDepartments)
{
    public static DirectoryLimits From(IConfiguration configuration) => new(
        BoundedSettings.WholeNumber(configuration, "Permissions:MaxRoles", 1_000, 1, 10_000),
        BoundedSettings.WholeNumber(configuration, "Permissions:MaxGroups", 1_000, 1, 10_000),
        BoundedSettings.WholeNumber(configuration, "Permissions:MaxDepartments", 5_000, 1, 50_000));

    /// <summary>The refusal of a create past the bound of <paramref name="plural"/>.</summary>
    public static UserError Refusal(int max, string plural) =>
        UserError.At(ErrorCodes.LimitExceeded, $"There are at most {max.ToString(System.Globalization.CultureInfo.InvariantCulture)} {plural}; delete one first.", "input");
}
