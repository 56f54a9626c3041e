namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// The one wording of "something still names it" (<c>IN_USE</c>): the refusal of deleting a department,
/// role or list item while a reference holder (<see cref="Security.IDepartmentReferenceHolder"/>,
/// <see cref="Security.IRoleReferenceHolder"/>, <see cref="Lists.ISelectionListItemReferenceHolder"/>)
/// says what keeps it, the first <see cref="Named"/> named and the rest said as "and more".
/// </summary>
public static class InUseRefusals
{
    public const string Code = "IN_USE";

    /// <summary>How many uses a refusal names.</summary>
    public const int Named = 5;

    /// <summary>
    /// Asks each holder in turn for what keeps the thing (one more than <see cref="Named"/> in all, to tell
    /// "and more"); null when none names it, else "<paramref name="subject"/> is named by ...; change or
    /// delete them first" at <paramref name="path"/>.
    /// </summary>
    /// <param name="subject">The thing as the sentence starts with it ("The department", "'C3:WON'").</param>
    /// <param name="holders">Who may keep it.</param>
    /// <param name="usesOf">A holder's uses, at most the given number.</param>
    /// <param name="path">Where the refusal points in the input.</param>
    public static async Task<UserError?> RefusalAsync<THolder>(string subject, IEnumerable<THolder> holders, Func<THolder, int, Task<IReadOnlyList<string>>> usesOf, params string[] path)
    {
        ArgumentNullException.ThrowIfNull(holders);
        ArgumentNullException.ThrowIfNull(usesOf);
        var uses = new List<string>();
        foreach (var holder in holders)
        {
            uses.AddRange(await usesOf(holder, Named + 1 - uses.Count));
            if (uses.Count > Named)
            {
                break;
            }
        }

        if (uses.Count == 0)
        {
            return null;
        }

        var named = string.Join(", ", uses.Take(Named)) + (uses.Count > Named ? " and more" : "");
        return UserError.At(Code, $"{subject} is named by {named}; change or delete them first (a draft or active version that names it keeps it).", path);
    }
}
