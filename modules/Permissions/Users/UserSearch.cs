namespace Crm.Modules.Permissions.Users;

/// <summary>
/// The users' <c>search:</c> (an assignee picker searching as one types): each word must be in the
/// name, the last name or the e-mail, ignoring case. The words beyond <see cref="MaxWords"/> are
/// left out, as the records' search leaves them, so a long text costs no more than eight conditions;
/// its length is bounded by <c>Limits:MaxSearchLength</c> before this is called.
/// </summary>
public static class UserSearch
{
    public const int MaxWords = 8;

    public static IQueryable<User> Matching(IQueryable<User> users, string? search)
    {
        var words = (search ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Take(MaxWords);
        foreach (var word in words)
        {
            // lower() on both engines (ASCII-only folding on SQLite, as the records' search); the e-mail is stored lower-case.
            users = users.Where(u => u.Name.ToLower().Contains(word)
                || (u.LastName != null && u.LastName.ToLower().Contains(word))
                || u.NormalizedEmail.Contains(word));
        }

        return users;
    }
}
