using System.Globalization;
using Crm.PluginSdk.GraphQL;

namespace Crm.Modules.Permissions.Data;

/// <summary>
/// The refusal of deleting a department or role that something still names
/// (<see cref="PluginSdk.Security.IDepartmentReferenceHolder.UsesKeepingDepartmentAsync"/>,
/// <see cref="PluginSdk.Security.IRoleReferenceHolder.UsesKeepingRoleAsync"/>): <c>IN_USE</c>, naming the first few.
/// </summary>
internal static class DirectoryUses
{
    /// <summary>How many uses a refusal names; the rest are counted as "and more".</summary>
    public const int Named = 5;

    public const string InUse = "IN_USE";

    /// <summary>Asks each holder for up to one more than <see cref="Named"/> uses; null when nothing names the entry.</summary>
    public static async Task<UserError?> RefusalAsync(string what, IEnumerable<Func<int, Task<IReadOnlyList<string>>>> holders)
    {
        var uses = new List<string>();
        foreach (var usesOf in holders)
        {
            if (uses.Count > Named)
            {
                break;
            }

            uses.AddRange(await usesOf(Named + 1 - uses.Count));
        }

        if (uses.Count == 0)
        {
            return null;
        }

        var named = string.Join(", ", uses.Take(Named)) + (uses.Count > Named ? " and more" : "");
        return UserError.At(InUse, string.Create(CultureInfo.InvariantCulture,
            $"The {what} is named by {named}; change or delete them first (a draft or active version that names it keeps it)."), "id");
    }
}
