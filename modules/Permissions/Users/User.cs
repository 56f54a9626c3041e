namespace Crm.Modules.Permissions.Users;

/// <summary>Whether an account is a person, who signs in, or an integration, which uses API keys.</summary>
public enum UserKind
{
    Person,
    Integration,
}

/// <summary>An employee or an integration: who records are assigned to and whom rights are given.</summary>
public sealed class User
{
    /// <summary>The bootstrap administrator, whom the host's first API key belongs to.</summary>
    public const long BootstrapAdministratorId = 1;

    public long Id { get; set; }

    /// <summary>The e-mail as given; it is the login.</summary>
    public string Email { get; set; } = "";

    /// <summary>Lower-case e-mail, unique: logins ignore case.</summary>
    public string NormalizedEmail { get; set; } = "";

    /// <summary>The password's hash with its parameters (see PasswordHasher); null: no password sign-in.</summary>
    public string? PasswordHash { get; set; }

    public string Name { get; set; } = "";

    public string? LastName { get; set; }

    public bool Active { get; set; } = true;

    public string TimeZone { get; set; } = "UTC";

    public string Language { get; set; } = "en";

    public UserKind Kind { get; set; }

    /// <summary>May do everything, whatever the roles say.</summary>
    public bool IsAdministrator { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}

/// <summary>A user's membership in a department (a user may be in several).</summary>
public sealed class UserDepartment
{
    public long UserId { get; set; }

    public long DepartmentId { get; set; }
}
