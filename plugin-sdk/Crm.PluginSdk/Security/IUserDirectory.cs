namespace Crm.PluginSdk.Security;

/// <summary>
/// The platform's users as records show them: a record's <c>assignedBy</c>, <c>createdBy</c> and
/// <c>updatedBy</c> (any field declared with <see cref="Entities.FieldBuilder.ReferencesUser"/>)
/// are loaded through it, in one batch per level. The module that keeps users implements it
/// (Permissions), and contributes the GraphQL type <see cref="GraphTypeName"/> that shows the
/// objects it returns; without such a module, records show their user ids only.
/// </summary>
public interface IUserDirectory
{
    /// <summary>The GraphQL type that shows a user.</summary>
    const string GraphTypeName = "User";

    /// <summary>The users with these ids that exist (active or not), as the objects the <see cref="GraphTypeName"/> type shows.</summary>
    Task<IReadOnlyDictionary<long, object>> LoadUsersAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken);

    /// <summary>
    /// The language the user reads the platform in (<c>me.language</c>: en, pl ...), which labels
    /// are given in when a request names none; null when unknown (then English).
    /// </summary>
    Task<string?> LanguageOfAsync(long userId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>
    /// The active users each of <paramref name="namesOrEmails"/> names: by e-mail, or by full name
    /// (first and last name, or the first alone when there is no last one), both compared without
    /// case; each text maps to every user it matches (none, one, or several when ambiguous). One
    /// lookup for the whole batch, so that an import resolves its rows' users at once.
    /// </summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<long>>> FindActiveUsersAsync(IReadOnlyCollection<string> namesOrEmails, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, IReadOnlyList<long>>>(new Dictionary<string, IReadOnlyList<long>>());
}
