namespace Crm.PluginSdk.Security;

/// <summary>
/// The platform's integration users: accounts of kind <c>INTEGRATION</c> that a part of the platform
/// acts as when no person is named (the automation rules' default run-as user). The module that keeps
/// users implements it (Permissions); without one, there are none (resolve it with <c>GetService</c>).
/// </summary>
public interface IIntegrationUsers
{
    /// <summary>The longest key (lower-case letters, digits and dashes).</summary>
    const int MaxKeyLength = 32;

    /// <summary>
    /// The id of the integration user <paramref name="key"/> names (<c>automation</c>): made the first
    /// time it is asked for, with a role of its own that decides its rights (see the implementing
    /// module's documentation), and the same user every time after, whoever asks, on any host, however
    /// many ask at once. A user that an administrator disabled stays disabled (its runs are refused).
    /// </summary>
    /// <param name="key">Which integration: lower-case letters, digits and dashes, at most <see cref="MaxKeyLength"/>.</param>
    /// <param name="name">Its display name, used when it is made.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    Task<long> EnsureAsync(string key, string name, CancellationToken cancellationToken);
}
