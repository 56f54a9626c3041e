using System.Text.RegularExpressions;
using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.SignIn;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Users;

public sealed record UserPayload(User? User, IReadOnlyList<UserError> Errors);

/// <summary><c>createUser</c> and <c>updateUser</c>: checked whole, written whole or not at all.</summary>
public sealed partial class UserEditor(PermissionsDbContext db, CrmDatabaseSession session, ChangeGuard guard, DirectoryReader reader, TimeProvider clock) : IScopedService
{
    public const int MaxNameLength = 255;

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[a-z]{2,3}(-[a-z0-9]{2,8})?$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguagePattern();

    public async Task<UserPayload> CreateAsync(IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing users") is { } forbidden)
        {
            return new UserPayload(null, [forbidden]);
        }

        var errors = new List<UserError>();
        var email = ((input["email"] as string) ?? "").Trim();
        if (email.Length == 0)
        {
            errors.Add(UserError.At(ErrorCodes.Required, "'email' cannot be empty.", "input", "email"));
        }
        else if (email.Length > 254 || !EmailPattern().IsMatch(email))
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{email}' is not an e-mail address.", "input", "email"));
        }
        else if (await db.Users.AnyAsync(u => u.NormalizedEmail == User.Normalize(email), cancellationToken))
        {
            errors.Add(UserError.At(ErrorCodes.Conflict, $"There is already a user with the e-mail {email}.", "input", "email"));
        }

        var user = new User
        {
            Email = email,
            NormalizedEmail = User.Normalize(email),
            Kind = input.TryGetValue("kind", out var kind) && kind is UserKind k ? k : UserKind.Person,
            Active = true,
        };
        ApplyProfile(user, input, isCreate: true, errors);
        if (input.TryGetValue("password", out var password) && password is string text)
        {
            SetPassword(user, text, errors);
        }

        var departmentIds = await ReadDepartmentIdsAsync(input, errors, cancellationToken);
        if (errors.Count > 0)
        {
            return new UserPayload(null, errors);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        user.CreatedAt = now;
        user.UpdatedAt = now;
        var result = await session.InTransactionAsync(async () =>
        {
            if (await db.RefuseUnlessDepartmentsHeldAsync(departmentIds ?? [], cancellationToken, "input", "departmentIds") is { } gone)
            {
                return new UserPayload(null, [gone]);
            }

            var before = await guard.CallerRolesAsync(cancellationToken);
            db.Users.Add(user);
            await db.SaveChangesAsync(cancellationToken);
            foreach (var departmentId in departmentIds ?? [])
            {
                db.UserDepartments.Add(new UserDepartment { UserId = user.Id, DepartmentId = departmentId });
            }

            await db.SaveChangesAsync(cancellationToken);
            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
            return await guard.CallerGainedAsync(before, cancellationToken) ? SelfGrant() : new UserPayload(user, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        return Finish(result, sessionsRevoked: false);
    }

    public async Task<UserPayload> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing users") is { } forbidden)
        {
            return new UserPayload(null, [forbidden]);
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return new UserPayload(null, [Refusals.NotFound("user", id, "id")]);
        }

        var errors = new List<UserError>();
        if (user.IsAdministrator && !guard.IsAdministrator)
        {
            errors.Add(ChangeGuard.Forbidden("Only an administrator can change an administrator.", "id"));
            return new UserPayload(null, errors);
        }

        ApplyProfile(user, input, isCreate: false, errors);
        var deactivated = false;
        if (input.TryGetValue("active", out var active) && active is bool isActive && isActive != user.Active)
        {
            if (!isActive && ChangeGuard.IsBootstrapAdministrator(user.Id))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, "The bootstrap administrator cannot be disabled.", "input", "active"));
            }
            else if (!isActive && guard.Actor.UserId == user.Id)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, "You cannot disable yourself.", "input", "active"));
            }
            else
            {
                user.Active = isActive;
                deactivated = !isActive;
            }
        }

        if (input.TryGetValue("password", out var password) && password is string text)
        {
            if (!await guard.MayActAsAsync(user.Id, cancellationToken))
            {
                errors.Add(ChangeGuard.Forbidden("You can set the password only of users whose rights yours cover.", "input", "password"));
            }
            else
            {
                SetPassword(user, text, errors);
            }
        }

        var departmentIds = await ReadDepartmentIdsAsync(input, errors, cancellationToken);
        if (errors.Count > 0)
        {
            db.ChangeTracker.Clear();
            return new UserPayload(null, errors);
        }

        user.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        var now = user.UpdatedAt;
        var result = await session.InTransactionAsync(async () =>
        {
            if (await db.RefuseUnlessDepartmentsHeldAsync(departmentIds ?? [], cancellationToken, "input", "departmentIds") is { } gone)
            {
                return new UserPayload(null, [gone]);
            }

            var before = await guard.CallerRolesAsync(cancellationToken);
            if (departmentIds is not null)
            {
                await db.UserDepartments.Where(m => m.UserId == id).ExecuteDeleteAsync(cancellationToken);
                foreach (var departmentId in departmentIds)
                {
                    db.UserDepartments.Add(new UserDepartment { UserId = id, DepartmentId = departmentId });
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            if (deactivated)
            {
                // A disabled user's sessions end now; their keys are refused by their rights (none).
                await db.Sessions.Where(s => s.UserId == id && s.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now).SetProperty(x => x.EndReason, SessionEnd.UserDisabled), cancellationToken);
            }

            await db.BumpVersionAsync(sessionsRevoked: deactivated, cancellationToken);
            return await guard.CallerGainedAsync(before, cancellationToken) ? SelfGrant() : new UserPayload(user, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        return Finish(result, deactivated);
    }

    private UserPayload Finish(UserPayload result, bool sessionsRevoked)
    {
        db.ChangeTracker.Clear();
        if (result.Errors.Count == 0)
        {
            reader.Forget();
            guard.Published(sessionsRevoked);
        }

        return result;
    }

    private static UserPayload SelfGrant() =>
        new(null, [ChangeGuard.Forbidden("This change would give you a role you do not hold; only an administrator can make it.", "input", "departmentIds")]);

    private static void ApplyProfile(User user, IReadOnlyDictionary<string, object?> input, bool isCreate, List<UserError> errors)
    {
        if (InputBinder.Text(input, "name", MaxNameLength, isCreate, errors) is { } name)
        {
            user.Name = name;
        }

        if (input.TryGetValue("lastName", out var lastNameValue))
        {
            var lastName = (lastNameValue as string)?.Trim();
            if (lastName?.Length > MaxNameLength)
            {
                errors.Add(UserError.At(ErrorCodes.TooLong, $"'lastName' is {lastName.Length} characters long; the limit is {MaxNameLength}.", "input", "lastName"));
            }
            else
            {
                user.LastName = string.IsNullOrEmpty(lastName) ? null : lastName;
            }
        }

        if (input.TryGetValue("timeZone", out var zoneValue) && zoneValue is string zone)
        {
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone.Trim(), out _) || zone.Trim().Length > 64)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{zone}' is not a known time zone (use an IANA name such as Europe/Berlin).", "input", "timeZone"));
            }
            else
            {
                user.TimeZone = zone.Trim();
            }
        }

        if (input.TryGetValue("language", out var languageValue) && languageValue is string language)
        {
            var code = language.Trim().ToLowerInvariant();
            if (!LanguagePattern().IsMatch(code))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{language}' is not a language code (e.g. en, de, pt-br).", "input", "language"));
            }
            else
            {
                user.Language = code;
            }
        }
    }

    private static void SetPassword(User user, string password, List<UserError> errors)
    {
        if (user.Kind == UserKind.Integration)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, "Integrations sign in with API keys, not passwords.", "input", "password"));
        }
        else if (password.Length < PasswordHasher.MinimumLength)
        {
            errors.Add(UserError.At("PASSWORD_TOO_SHORT", $"A password needs at least {PasswordHasher.MinimumLength} characters.", "input", "password"));
        }
        else if (password.Length > PasswordHasher.MaximumLength)
        {
            errors.Add(UserError.At(ErrorCodes.TooLong, $"A password has at most {PasswordHasher.MaximumLength} characters.", "input", "password"));
        }
        else
        {
            user.PasswordHash = PasswordHasher.Hash(password);
        }
    }

    /// <summary>The department ids given (null when left out), each existing.</summary>
    private async Task<List<long>?> ReadDepartmentIdsAsync(IReadOnlyDictionary<string, object?> input, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (!input.TryGetValue("departmentIds", out var value) || value is not IEnumerable<object?> given)
        {
            return input.ContainsKey("departmentIds") ? [] : null;
        }

        var ids = RecordIds.ReadList(given, "department", errors, out _, "input", "departmentIds").ToList();
        var known = await db.Departments.AsNoTracking().Where(d => ids.Contains(d.Id)).Select(d => d.Id).ToListAsync(cancellationToken);
        foreach (var missing in ids.Where(id => !known.Contains(id)))
        {
            errors.Add(Refusals.NotFound("department", missing, "input", "departmentIds"));
        }

        return ids;
    }
}
