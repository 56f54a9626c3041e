using System.Text.RegularExpressions;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.PluginSdk.Live;

/// <summary>What a writer of a live source calls so that subscribers on every host hear of new items at once.</summary>
public static partial class LiveSignal
{
    /// <summary>The PostgreSQL channel the host listens to; the payload is the source's signal.</summary>
    public const string Channel = "crm_live";

    /// <summary>Whether <paramref name="signal"/> is a valid name (see <see cref="ILiveSource{TItem}.Signal"/>).</summary>
    public static bool IsValid(string signal) => SignalPattern().IsMatch(signal);

    /// <summary>
    /// Announces new items of the source named <paramref name="signal"/>, after they were saved, in
    /// the same transaction: on PostgreSQL a <c>NOTIFY</c> that every host receives when (and only
    /// if) the transaction commits; on SQLite nothing, as hosts poll (<c>Live:PollInterval</c>).
    /// </summary>
    public static async Task RaiseAsync(ModuleDbContext db, string signal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!IsValid(signal))
        {
            throw new ArgumentException($"'{signal}' is not a live signal name (lower-case letters, digits, '_' and '.', at most 63 characters).", nameof(signal));
        }

        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_notify({0}, {1})", [Channel, signal], cancellationToken);
        }
    }

    /// <summary>
    /// Orders the writers of one source until the transaction ends, so that its cursors become
    /// visible in increasing order (see <see cref="ILiveSource{TItem}"/>): a transaction-scoped
    /// advisory lock on PostgreSQL, nothing on SQLite (one writer at a time). Call it inside a
    /// transaction, before the insert.
    /// </summary>
    public static async Task LockWritersAsync(ModuleDbContext db, string signal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.LockNameAsync(Channel + ":" + signal, cancellationToken);
    }

    [GeneratedRegex("^[a-z0-9_.]{1,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex SignalPattern();
}
