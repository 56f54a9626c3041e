namespace Crm.PluginSdk.Records;

/// <summary>
/// Finds the existing records a new one would duplicate, by the match keys of the Duplicates module
/// (which registers it; absent while that module is off): an import skips or updates them.
/// Rules are named as <c>findDuplicates</c> names them: <c>EMAIL</c>, <c>PHONE</c>, <c>NAME_IN_COMPANY</c>.
/// </summary>
public interface IDuplicateMatcher
{
    /// <summary>The rules the fields of <paramref name="entityType"/> allow (empty when none, or no such type).</summary>
    IReadOnlyList<string> RulesOf(IServiceProvider services, string entityType);

    /// <summary>
    /// The ids of the records of <paramref name="entityType"/> that the scope's actor may read and that share a
    /// key under <paramref name="rule"/> with the record the create <paramref name="input"/> would make (its
    /// e-mails, its phones, or its title with its company), oldest first, at most <paramref name="max"/>.
    /// Records written earlier in the scope's transaction count.
    /// </summary>
    Task<IReadOnlyList<long>> FindAsync(IServiceProvider services, string entityType, string rule, IReadOnlyDictionary<string, object?> input, int max, CancellationToken cancellationToken);
}
