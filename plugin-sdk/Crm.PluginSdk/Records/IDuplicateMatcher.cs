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

    /// <summary>
    /// <see cref="FindAsync"/> for each of <paramref name="inputs"/>, in their order, in a bounded number of statements
    /// (not one per input). Each input is matched against the records there now: the records the inputs
    /// themselves would make are not among them (see <see cref="KeysOf"/> to tell which inputs share keys).
    /// </summary>
    Task<IReadOnlyList<IReadOnlyList<long>>> FindManyAsync(IServiceProvider services, string entityType, string rule, IReadOnlyList<IReadOnlyDictionary<string, object?>> inputs, int max,
        CancellationToken cancellationToken);

    /// <summary>
    /// The match keys under <paramref name="rule"/> of the record the create <paramref name="input"/> would make
    /// (normalised e-mails, phones' last digits, or title with company), without a statement: two inputs
    /// sharing one would match each other once the first is written.
    /// </summary>
    IReadOnlyCollection<string> KeysOf(IServiceProvider services, string entityType, string rule, IReadOnlyDictionary<string, object?> input);
}
