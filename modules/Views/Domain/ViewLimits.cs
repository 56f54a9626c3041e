using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Views.Domain;

/// <summary>
/// The bounds of saved views (<c>Views:</c> settings): views and saved filters one user owns per record
/// type (<c>MaxPerUserAndType</c>, 100), columns per view (<c>MaxColumns</c>, 100), a name's length
/// (<c>MaxNameLength</c>, 100), users a view is shared with (<c>MaxSharedUsers</c>, 200). A view's filter
/// is held to the lists' own filter limits (<c>Limits:MaxFilterTerms</c>, <c>Limits:MaxFilterValues</c>)
/// and its page size to <c>Limits:MaxPageSize</c>.
/// </summary>
public sealed record ViewLimits(int MaxPerUserAndType, int MaxColumns, int MaxNameLength, int MaxSharedUsers)
{
    public const int MinColumnWidth = 20;
    public const int MaxColumnWidth = 2_000;

    /// <summary>The longest name the database column holds; <see cref="MaxNameLength"/> may not exceed it.</summary>
    public const int NameColumnLength = 200;

    public static ViewLimits From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Views");
        var limits = new ViewLimits(
            Number(section["MaxPerUserAndType"], 100),
            Number(section["MaxColumns"], 100),
            Number(section["MaxNameLength"], 100),
            Number(section["MaxSharedUsers"], 200));
        if (limits.MaxPerUserAndType is < 1 or > 10_000 || limits.MaxColumns is < 1 or > 1_000 || limits.MaxNameLength is < 1 or > NameColumnLength || limits.MaxSharedUsers is < 1 or > 10_000)
        {
            throw new InvalidOperationException(
                $"Views has a setting that cannot work: MaxPerUserAndType is 1 to 10000, MaxColumns 1 to 1000, MaxNameLength 1 to {NameColumnLength}, MaxSharedUsers 1 to 10000.");
        }

        return limits;
    }

    private static int Number(string? text, int fallback) =>
        text is { Length: > 0 } ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : -1 : fallback;
}
