using System.Net.Sockets;
using System.Text.RegularExpressions;
using Crm.Host.Data;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Crm.Host.Hosting;

/// <summary>A setting that the platform cannot start with; its message names the setting and what it takes.</summary>
public sealed class InvalidConfigurationException(string message) : Exception(message);

/// <summary>
/// Says in one line why the platform could not start, when the cause is the setup rather than a
/// bug: a setting, the listening address, the database. Anything else gets no line (null), so
/// that its stack trace is shown.
/// </summary>
public static partial class StartupFailure
{
    public static string? Describe(Exception exception)
    {
        foreach (var cause in Causes(exception))
        {
            switch (cause)
            {
                case InvalidConfigurationException or OptionsValidationException:
                    return cause.Message;
                // The binder's own words name the key and the type: "Failed to convert configuration value at 'Limits:MaxDepth' to type 'System.Int32'."
                case InvalidOperationException when cause.TargetSite?.DeclaringType == typeof(ConfigurationBinder):
                    return cause.Message.TrimEnd('.') + ": correct the setting.";
                case IOException when cause.InnerException is AddressInUseException:
                    var address = Address(cause.Message);
                    return $"{address} is already in use: another program (perhaps another Crm.Host) listens there. "
                        + "Stop it, or choose another address with --urls http://127.0.0.1:PORT.";
                case IOException when cause.InnerException is SocketException socket:
                    return $"cannot listen on {Address(cause.Message)}: {socket.Message}.";
            }
        }

        return DatabaseFailure.Find(exception) is { } database
            ? $"{database.Summary}: {database.Reason.TrimEnd('.')}. Check Database:Provider and ConnectionStrings:Crm."
            : null;
    }

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Causes))
                {
                    yield return inner;
                }

                yield break;
            }
        }
    }

    // Kestrel: "Failed to bind to address http://127.0.0.1:5000: address already in use."
    private static string Address(string message) =>
        BindAddress().Match(message) is { Success: true } match ? match.Groups["address"].Value : "the address";

    [GeneratedRegex(@"address (?<address>\S+?): ", RegexOptions.CultureInvariant)]
    private static partial Regex BindAddress();
}
