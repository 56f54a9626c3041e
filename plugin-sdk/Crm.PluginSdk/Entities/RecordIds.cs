using System.Globalization;
using Crm.PluginSdk.GraphQL;
using GraphQL;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// The one reading of a record id from input (an <c>ID</c> arrives as text or as a number), and
/// the one way of refusing a value that is not one: <c>INVALID_ID</c>, "'abc' is not a valid user
/// id." Every id argument, input field, filter operand and list of ids goes through it, so that
/// they all take the same ids and say the same about the others.
/// </summary>
public static class RecordIds
{
    /// <summary>
    /// Digits only (no sign, spaces or exponent), at least <paramref name="minimum"/>: 1 for
    /// records; 0 where 0 names a default, as pipeline 0 does.
    /// </summary>
    public static bool TryParse(object? value, out long id, long minimum = 1) =>
        long.TryParse(Text(value), NumberStyles.None, CultureInfo.InvariantCulture, out id) && id >= minimum;

    /// <summary>
    /// The id an argument of a query field names; a value that is not one fails the field with
    /// <c>INVALID_ID</c> ("'id': 'abc' is not a valid deal id.").
    /// </summary>
    /// <param name="value">The argument's value.</param>
    /// <param name="argument">The argument's name (or input path), which the message names.</param>
    /// <param name="what">What the id names ("deal"), or null to say only "id".</param>
    /// <param name="minimum">The smallest id taken (see <see cref="TryParse"/>).</param>
    public static long Parse(object? value, string argument, string? what = null, long minimum = 1) =>
        TryParse(value, out var id, minimum) ? id : throw InvalidError(value, argument, what);

    /// <summary>
    /// The ids of an input list, each once, in the order given; each value that is not an id is
    /// refused at <paramref name="path"/> and its index. <paramref name="positions"/> holds each
    /// id's index in the list as sent, for the paths of later errors about it.
    /// </summary>
    public static IReadOnlyList<long> ReadList(object? value, string? what, List<UserError> errors, out IReadOnlyList<int> positions, params string[] path)
    {
        var ids = new List<long>();
        var seen = new HashSet<long>();
        var indexes = new List<int>();
        var i = 0;
        foreach (var item in value as IEnumerable<object?> ?? [])
        {
            if (!TryParse(item, out var id))
            {
                errors.Add(Invalid(item, what, [.. path, i.ToString(CultureInfo.InvariantCulture)]));
            }
            else if (seen.Add(id))
            {
                ids.Add(id);
                indexes.Add(i);
            }

            i++;
        }

        positions = indexes;
        return ids;
    }

    /// <summary>"'abc' is not a valid deal id." (or "... a valid id." when <paramref name="what"/> is null).</summary>
    public static string Problem(object? value, string? what) =>
        $"'{Text(value)}' is not a valid {(what is null ? "" : what + " ")}id.";

    /// <summary>The refusal of a value that is not an id, for a mutation's errors.</summary>
    public static UserError Invalid(object? value, string? what, params string[] path) =>
        UserError.At(ErrorCodes.InvalidId, Problem(value, what), path);

    /// <summary>The refusal of a value that is not an id, as the error of a field, naming the argument or input path.</summary>
    public static ExecutionError InvalidError(object? value, string argument, string? what = null) =>
        ErrorCodes.Error(ErrorCodes.InvalidId, $"'{argument}': {Problem(value, what)}");

    private static string? Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture);
}
