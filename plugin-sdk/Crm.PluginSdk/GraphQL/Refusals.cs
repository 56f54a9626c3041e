using System.Globalization;
using GraphQL;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// The one wording of "that record is not there" (<c>NOT_FOUND</c>) and "you may not, or it is
/// not there" (<c>FORBIDDEN</c>), as a mutation's <see cref="UserError"/> and as a field's GraphQL
/// error. A record the caller may not reach is refused in words that do not say whether it exists,
/// so that its id tells them nothing they did not know.
/// </summary>
public static class Refusals
{
    /// <summary>
    /// "There is no deal with id 5."; with <paramref name="field"/>, "'companyId': there is no
    /// company with id 5."
    /// </summary>
    /// <param name="what">What the id names, as people say it ("deal", "custom field", "active user").</param>
    /// <param name="id">The id asked for.</param>
    /// <param name="field">The input field that named it, when the message should say so.</param>
    public static string NoSuch(string what, long id, string? field = null) =>
        field is null
            ? $"There is no {what} with id {Id(id)}."
            : $"'{field}': there is no {what} with id {Id(id)}.";

    /// <summary>"You may not change deal 5, or there is no such deal."</summary>
    /// <param name="verb">What the caller tried ("read", "change", "delete", "convert").</param>
    /// <param name="what">The record type, as people say it.</param>
    /// <param name="id">The record's id.</param>
    public static string MayNot(string verb, string what, long id) =>
        $"You may not {verb} {what} {Id(id)}, or there is no such {what}.";

    /// <summary>"You may not read deals.": the caller's rights reach none of the type's records for this.</summary>
    /// <param name="verb">What the caller tried ("read", "add").</param>
    /// <param name="plural">The record type's plural, as people say it ("deals").</param>
    public static string MayNotAny(string verb, string plural) => $"You may not {verb} {plural}.";

    /// <summary><see cref="NoSuch"/> as a mutation's refusal at <paramref name="path"/>.</summary>
    public static UserError NotFound(string what, long id, params string[] path) =>
        UserError.At(ErrorCodes.NotFound, NoSuch(what, id), path);

    /// <summary><see cref="MayNot"/> as a mutation's refusal at <paramref name="path"/>.</summary>
    public static UserError Forbidden(string verb, string what, long id, params string[] path) =>
        UserError.At(ErrorCodes.Forbidden, MayNot(verb, what, id), path);

    /// <summary><see cref="NoSuch"/> as the error of a field.</summary>
    public static ExecutionError NotFoundError(string what, long id) =>
        ErrorCodes.Error(ErrorCodes.NotFound, NoSuch(what, id));

    /// <summary><see cref="MayNot"/> as the error of a field.</summary>
    public static ExecutionError ForbiddenError(string verb, string what, long id) =>
        ErrorCodes.Error(ErrorCodes.Forbidden, MayNot(verb, what, id));

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
