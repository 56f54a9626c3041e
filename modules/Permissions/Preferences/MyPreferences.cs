using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Modules.Permissions.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Preferences;

/// <summary>A preference as read: its key, its value, when it was last set.</summary>
public sealed record PreferenceView(string Key, JsonNode? Value, DateTime UpdatedAt);

/// <summary>What <c>setMyPreference</c> answers: the preference as stored (null once removed), or why not.</summary>
public sealed record PreferencePayload(PreferenceView? Preference, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>myPreferences</c> and <c>setMyPreference</c>: settings a signed-in user keeps for themselves,
/// whatever their rights, so that what a front end remembers (the columns of a list, the mapping of
/// an import's headers) follows them to every browser. Each user sees and writes only their own.
/// Bounded: the key's form and length, the value's size, the keys per user and per read.
/// </summary>
public sealed partial class MyPreferences(PermissionsDbContext db, CrmDatabaseSession session, ICurrentActor actor, TimeProvider clock) : IScopedService
{
    public const int MaxKeyLength = 100;

    /// <summary>The longest value, as UTF-8 JSON text.</summary>
    public const int MaxValueBytes = 32 * 1024;

    public const int MaxPreferencesPerUser = 200;

    public const int MaxKeysPerRead = 50;

    // Text kept as written (no \u escapes): the size bound counts a Polish letter as its UTF-8 bytes.
    private static readonly JsonSerializerOptions Stored = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex KeyForm();

    public async Task<IReadOnlyList<PreferenceView>> ReadAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var userId = UserId();
        if (keys.Count > MaxKeysPerRead)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"At most {MaxKeysPerRead} keys at a time; {keys.Count} were asked for.");
        }

        if (keys.Select(KeyProblem).OfType<string>().FirstOrDefault() is { } problem)
        {
            throw ErrorCodes.Error(ErrorCodes.InvalidValue, problem);
        }

        var wanted = keys.Distinct(StringComparer.Ordinal).ToList();
        var rows = await db.Preferences.AsNoTracking().Where(p => p.UserId == userId && wanted.Contains(p.Key)).ToListAsync(cancellationToken);
        // In the order asked for; a key never set is left out.
        return wanted.Select(k => rows.FirstOrDefault(r => r.Key == k)).OfType<UserPreference>().Select(View).ToList();
    }

    /// <summary>Sets the preference, or removes it when <paramref name="value"/> is null.</summary>
    public async Task<PreferencePayload> SetAsync(string key, JsonNode? value, CancellationToken cancellationToken)
    {
        var userId = UserId();
        if (KeyProblem(key) is { } problem)
        {
            return new PreferencePayload(null, [UserError.At(ErrorCodes.InvalidValue, problem, "key")]);
        }

        var text = value?.ToJsonString(Stored);
        if (text is not null && Encoding.UTF8.GetByteCount(text) > MaxValueBytes)
        {
            return new PreferencePayload(null, [UserError.At(ErrorCodes.LimitExceeded,
                $"The value is {Encoding.UTF8.GetByteCount(text).ToString(CultureInfo.InvariantCulture)} bytes of JSON; the limit is {MaxValueBytes.ToString(CultureInfo.InvariantCulture)}.", "value")]);
        }

        return await session.InTransactionAsync(async () =>
        {
            // One writer of a user's preferences at a time: the count below stays true until the insert.
            await db.LockNameAsync($"permissions.preferences:{userId.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
            var row = await db.Preferences.FirstOrDefaultAsync(p => p.UserId == userId && p.Key == key, cancellationToken);
            if (text is null)
            {
                if (row is not null)
                {
                    db.Preferences.Remove(row);
                    await db.SaveChangesAsync(cancellationToken);
                }

                return new PreferencePayload(null, []);
            }

            if (row is null)
            {
                if (await db.Preferences.CountAsync(p => p.UserId == userId, cancellationToken) >= MaxPreferencesPerUser)
                {
                    return new PreferencePayload(null, [UserError.At(ErrorCodes.LimitExceeded,
                        $"You keep {MaxPreferencesPerUser} preferences already, the most there may be: remove one (set its value to null) first.", "key")]);
                }

                row = new UserPreference { UserId = userId, Key = key };
                db.Preferences.Add(row);
            }

            row.Value = text;
            row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
            return new PreferencePayload(View(row), []);
        }, cancellationToken: cancellationToken);
    }

    private long UserId() => actor.UserId ?? throw ErrorCodes.Error(ErrorCodes.Unauthenticated, "Sign in first.");

    private static string? KeyProblem(string key) =>
        key.Length is 0 or > MaxKeyLength || !KeyForm().IsMatch(key)
            ? $"A preference's key is 1 to {MaxKeyLength} letters, digits, '.', '_', ':' or '-'{(key.Length > MaxKeyLength ? $" (this one is {key.Length.ToString(CultureInfo.InvariantCulture)} characters long)" : "")}."
            : null;

    private static PreferenceView View(UserPreference row) => new(row.Key, JsonNode.Parse(row.Value), row.UpdatedAt);
}
