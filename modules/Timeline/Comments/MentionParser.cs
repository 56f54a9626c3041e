using System.Globalization;
using System.Text.RegularExpressions;

namespace Crm.Modules.Timeline.Comments;

/// <summary>The users a comment's text mentions: <c>@[user:5]</c>, each user once, in order of first mention.</summary>
public static partial class MentionParser
{
    [GeneratedRegex(@"@\[user:([0-9]{1,18})\]", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Mention();

    public static IReadOnlyList<long> UserIds(string text) =>
        Mention().Matches(text)
            .Select(m => long.Parse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture))
            .Where(id => id > 0)
            .Distinct()
            .ToList();
}
